// Evaluates the CEL of Kyverno policies for the tests: reads {cases: [{id, variables, validations, object, request}]}
// as JSON on stdin, writes [{id, result: "pass" | "fail" | "error", messages, variables}] as JSON on stdout.
// Variables are evaluated in order (each may use the ones before it), then every validation, as Kyverno does.
import { evaluate } from '@marcbachmann/cel-js';

// CEL integers are 64-bit; cel-js represents them as BigInt. JSON integers become BigInt, others stay as they are.
const toCel = (v) => Array.isArray(v) ? v.map(toCel)
  : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]))
  : Number.isInteger(v) ? BigInt(v) : v;
const fromCel = (v) => Array.isArray(v) ? v.map(fromCel)
  : v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, fromCel(x)]))
  : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)]))
  : typeof v === 'bigint' ? Number(v) : v;

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.on('data', (c) => { data += c; });
  process.stdin.on('end', () => resolve(data));
}));

const results = input.cases.map((c) => {
  const context = { object: toCel(c.object), request: toCel(c.request ?? {}), variables: {} };
  try {
    for (const v of c.variables ?? []) context.variables[v.name] = evaluate(v.expression, context);
    const messages = [];
    for (const rule of c.validations ?? []) {
      const ok = evaluate(rule.expression, context);
      if (typeof ok !== 'boolean') throw new Error(`validation '${rule.expression}' returned ${typeof ok}, not a bool`);
      if (!ok) messages.push(rule.messageExpression ? String(evaluate(rule.messageExpression, context)) : (rule.message ?? rule.expression));
    }
    return { id: c.id, result: messages.length ? 'fail' : 'pass', messages, variables: fromCel(context.variables) };
  } catch (e) {
    return { id: c.id, result: 'error', messages: [String(e.message ?? e)], variables: {} };
  }
});
process.stdout.write(JSON.stringify(results));
