import { runFloat32FdCheck, type Float32FdCheckReport } from './float32-fd-check.js';
import { RESNET_FLOAT64_TOLERANCE, runFloat64Check, type Float64CheckReport } from './float64-check.js';
import { makeHvpProblem, parseCheckModel } from './problem.js';

export type CheckReport = Float64CheckReport | Float32FdCheckReport;

export interface CheckHvpReport {
  model: string;
  seed: number;
  checks: CheckReport[];
  passed: boolean;
}

/**
 * `sfn check-hvp`: the engine against the float64 reference (loss, gradient, H v by central
 * differences of the float64 gradient). ResNet-18 gets two checks: the engine's H v against
 * central differences of its own float32 gradient at batch 2 (along the kink-free final layer,
 * see float32-fd-check.ts), and against the exact float64 forward-over-reverse product at batch 8
 * along a random direction in all parameters (central differences of the float64 gradient would
 * need ~1e-8 steps there, being 4 more passes of several seconds; the reference's own tests prove
 * its exact product against them).
 */
export async function runCheckHvp(model: string, seed: number): Promise<CheckHvpReport> {
  const name = parseCheckModel(model);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${seed}`);
  const checks: CheckReport[] = [];
  if (name === 'resnet18') {
    checks.push(await runFloat32FdCheck(makeHvpProblem(name, seed, { batchSize: 2 })));
    checks.push(await runFloat64Check(makeHvpProblem(name, seed), { finiteDifferences: false, tolerance: RESNET_FLOAT64_TOLERANCE }));
  } else {
    const problem = makeHvpProblem(name, seed, { avoidKinks: true });
    checks.push(await runFloat64Check(problem));
    // where runs use the dense-chain kernel (MLPs on wasm), the layers' engine is proven as well
    if (checks[0].kind === 'float64-reference' && checks[0].engine === 'dense-kernel') checks.push(await runFloat64Check(problem, { engine: 'layers' }));
  }
  return { model: name, seed, checks, passed: checks.every((c) => c.passed) };
}

const e = (x: number): string => x.toExponential(2);

/** Human-readable lines for one report. */
export function formatCheckHvpReport(report: CheckHvpReport): string[] {
  const lines: string[] = [];
  for (const c of report.checks) {
    if (c.kind === 'float64-reference') {
      lines.push(
        `${c.model}: ${c.parameters} parameters, batch ${c.batchSize} (masked rows: ${c.maskedRows}), engine ${c.engine}, against the float64 reference`,
        `  loss     engine ${c.loss.engine.toPrecision(8)}  reference ${c.loss.reference.toPrecision(8)}  relative error ${e(c.loss.relError)}`,
        `  gradient relative error ${e(c.gradRelError)}`,
      );
      c.directions.forEach((d, i) => {
        const fd = d.hvpRelErrorFd !== undefined ? `vs central differences ${e(d.hvpRelErrorFd)} (h ${e(d.h!)}), ` : '';
        const self = d.referenceSelfError !== undefined ? `; reference exact vs differences ${e(d.referenceSelfError)}` : '';
        lines.push(`  H v #${i + 1}   relative error ${fd}vs exact float64 ${e(d.hvpRelErrorExact)}${self}`);
      });
    } else {
      lines.push(
        `${c.model}: ${c.parameters} parameters, batch ${c.batchSize}, H u against central differences of the float32 gradient`,
        `  direction moves ${c.moved.join(', ')} (after the last relu: no kink is crossed); relative step ${c.relativeStep}`,
      );
      c.directions.forEach((d, i) => {
        lines.push(
          `  H u #${i + 1}   vector relative error ${e(d.hvpRelError)} (tolerance ${e(c.tolerance)}), ` +
            `u.Hu relative error ${e(d.directionalRelError)} (tolerance ${e(c.directionalTolerance)})`,
        );
      });
    }
    lines.push(`  maximum relative error ${e(c.maxRelError)}, tolerance ${e(c.tolerance)}: ${c.passed ? 'PASS' : 'FAIL'}`);
  }
  lines.push(report.passed ? 'check-hvp: PASS' : 'check-hvp: FAIL (an error is above its tolerance)');
  return lines;
}
