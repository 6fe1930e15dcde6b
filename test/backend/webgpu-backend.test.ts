import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, formatBackend } from '../../src/backend/index.js';
import { WEBGPU_INSTALL, WEBGPU_PACKAGES } from '../../src/backend/backend-names.js';
import { describeAdapter, formatAdapter, softwareAllowed } from '../../src/backend/webgpu-adapter.js';
import { useWebGpu } from './helpers/webgpu.js';

test('software adapters are recognised by name or by isFallbackAdapter', () => {
  // what Dawn reports for Mesa's llvmpipe through OpenGL ES, measured (isFallbackAdapter: false)
  const llvmpipe = { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6', isFallbackAdapter: false };
  assert.equal(describeAdapter(llvmpipe, 'opengles').software, true);
  assert.equal(describeAdapter({ device: 'llvmpipe (LLVM 19.1.7, 256 bits)' }, 'native').software, true);
  assert.equal(describeAdapter({ description: 'SwiftShader Device (Subzero)' }, 'native').software, true);
  assert.equal(describeAdapter({ device: 'NVIDIA H100 80GB HBM3', vendor: 'nvidia', architecture: 'hopper' }, 'native').software, false);
  assert.equal(describeAdapter({ device: 'some GPU', isFallbackAdapter: true }, 'native').software, true);
  assert.equal(describeAdapter({ device: 'some GPU' }, 'native', true).software, true);
});

test('the adapter phrase names the device, vendor, architecture and whether it is software', () => {
  const gpu = describeAdapter({ device: 'NVIDIA H100', vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA: 550.54' }, 'native');
  assert.equal(formatAdapter(gpu), 'hardware adapter: NVIDIA H100 (vendor nvidia, architecture hopper, NVIDIA: 550.54)');
  const cpu = describeAdapter({ device: 'llvmpipe-llvm-15', description: 'OpenGL ES 3.2 Mesa 22.3.6' }, 'opengles');
  assert.equal(
    formatAdapter(cpu),
    "SOFTWARE adapter (CPU), for testing only: llvmpipe-llvm-15 (vendor unknown, architecture unknown, OpenGL ES 3.2 Mesa 22.3.6), " +
      "through Dawn's OpenGL ES backend in compatibility mode",
  );
});

test('SFN_WEBGPU_ALLOW_SOFTWARE: 1, true or yes', () => {
  assert.equal(softwareAllowed({}), false);
  assert.equal(softwareAllowed({ SFN_WEBGPU_ALLOW_SOFTWARE: '1' }), true);
  assert.equal(softwareAllowed({ SFN_WEBGPU_ALLOW_SOFTWARE: 'TRUE' }), true);
  assert.equal(softwareAllowed({ SFN_WEBGPU_ALLOW_SOFTWARE: '0' }), false);
});

test('the install command names both packages at the tested versions', () => {
  assert.equal(WEBGPU_INSTALL, 'npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0');
  const core = createRequire(import.meta.url)('@tensorflow/tfjs-core/package.json') as { version: string };
  assert.equal(WEBGPU_PACKAGES['@tensorflow/tfjs-backend-webgpu'], core.version, 'the webgpu backend matches tfjs-core');
});

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

test('without SFN_WEBGPU_ALLOW_SOFTWARE, --backend webgpu takes a hardware adapter or is one error saying what to do', () => {
  const sfn = fileURLToPath(new URL('../../bin/sfn.js', import.meta.url));
  const env = { ...process.env };
  delete env.SFN_WEBGPU_ALLOW_SOFTWARE;
  const r = spawnSync(process.execPath, [sfn, 'check-hvp', '--model', 'uci-mlp', '--backend', 'webgpu'], { env, encoding: 'utf8', timeout: 120_000 });
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('sfn: '));
  if (!installed('webgpu') || !installed('@tensorflow/tfjs-backend-webgpu')) {
    assert.equal(r.status, 1);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], /Backend 'webgpu' needs the optional package .* Install both with `npm install webgpu@0\.6\.2 @tensorflow\/tfjs-backend-webgpu@4\.22\.0`/);
  } else if (r.status === 0) {
    assert.match(r.stdout, /^backend webgpu \(hardware adapter: /);
    assert.match(r.stdout, /check-hvp: PASS/);
  } else {
    assert.equal(r.status, 1);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], /^sfn: Backend 'webgpu': Dawn found (no adapter|only a software adapter)/);
    assert.match(errors[0], /libvulkan1/);
    assert.match(errors[0], /set SFN_WEBGPU_ALLOW_SOFTWARE=1 \(with Mesa: `apt-get install -y libegl1 libegl-mesa0 libgles2`\)/);
    assert.doesNotMatch(r.stdout, /check-hvp/);
  }
});

test('webgpu: the backend line names the adapter; tfjs runs on webgpu with sfn fixes', async (t) => {
  if (!(await useWebGpu(t))) return;
  assert.equal(tf.getBackend(), 'webgpu');
  const d = describeBackend();
  assert.equal(d.name, 'webgpu');
  assert.ok(d.adapter, 'the adapter is described');
  assert.equal(d.tapeGradients, true, 'stock gradients loaded and every fix installed');
  assert.equal(formatBackend(), `backend webgpu (${formatAdapter(d.adapter)})`);
  if (d.adapter.software) assert.match(formatBackend(), /SOFTWARE adapter \(CPU\), for testing only/);
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  tf.env().set('WEBGPU_CPU_FORWARD', false); // small products too on the device
  const y = tf.matMul(x, x);
  tf.env().set('WEBGPU_CPU_FORWARD', true);
  assert.throws(() => y.dataSync(), /synchronous read .* cannot run on the webgpu backend in Node: .*await tensor\.data\(\)/);
  assert.deepEqual(Array.from(await y.data()), [7, 10, 15, 22]);
  tf.dispose([x, y]);
});
