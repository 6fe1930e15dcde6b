import assert from 'node:assert/strict';

/** Minimal well-formedness check of an SVG document: balanced tags, quoted attributes, escaped text. */
export function assertWellFormedSvg(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  assert.match(body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    assert.ok(!text.includes('<') && !/&(?!(amp|lt|gt|quot|apos);)/.test(text), `bad text before ${m[0]}: ${text.slice(0, 60)}`);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) assert.equal(stack.pop(), name, `closing </${name}>`);
    else if (!selfClosing) stack.push(name);
  }
  assert.equal(body.slice(last).trim(), '', 'nothing after the root element');
  assert.deepEqual(stack, [], 'every tag closed');
  assert.ok(!/NaN|Infinity/.test(body), 'no non-finite numbers in the drawing');
}
