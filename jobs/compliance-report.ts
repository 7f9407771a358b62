import { z } from 'zod';
import {
  createComplianceStore,
  REMEDIATE_ALL_ACTION_ID,
  evaluateLatest,
  type RuleResult,
  showResult,
} from '../src/compliance/index.js';
import { resolveSettings, shortTime } from '../src/configs/index.js';
import { defineJob } from '../src/services/index.js';

const pct = (n: number, of: number) => (of ? `${Math.floor((1000 * n) / of) / 10}%` : '—');
const ICON = { compliant: 'ok  ', noncompliant: 'FAIL', error: 'ERR ' } as const;

/** `compliance [scope] [--rule R]` and `compliance <device>`: evaluates the latest configs now, then reports. */
export default defineJob({
  name: 'compliance.report',
  needs: ['clock', 'config', 'configs', 'inventory', 'pool'],
  schema: z
    .object({
      /** One device: each rule with its lines. */
      device: z.string().min(1).optional(),
      /** Name glob or `site:x` / `role:y` / `tag:z`; absent: the whole inventory. */
      scope: z.string().min(1).optional(),
      rule: z.string().min(1).optional(),
    })
    .strict(),
  attempts: 1,
  timeoutMs: 300_000,
  describe: (d) => `compliance of ${d.device ? `\`${d.device}\`` : d.scope ? `\`${d.scope}\`` : 'the fleet'}`,
  async process(data, { services }) {
    const inv = services.inventory;
    const devices = data.device
      ? [inv.require(data.device)]
      : data.scope
        ? inv.match({ pattern: data.scope })
        : [...inv.list()];
    const rules = services.config.compliance;
    if (!rules.rules.length)
      return { summary: 'no compliance rules are configured (netops.yaml `compliance.rules`)' };
    const deps = {
      pool: services.pool,
      rules,
      secretMarker: resolveSettings(services.configs).secretMarker,
      clock: services.clock,
    };
    const { results: all, neverBackedUp } = await evaluateLatest(deps, devices);
    const results = data.rule ? all.filter((r) => r.rule === data.rule) : all;
    const never = neverBackedUp.length ? `; ${neverBackedUp.length} never backed up` : '';
    if (data.device) {
      const device = devices[0]!;
      if (neverBackedUp.length)
        return { summary: `${device.name} has no stored config yet; back it up first` };
      const since = new Map(
        (await createComplianceStore(services.pool).latest({ devices: [device.name] })).map((s) => [
          s.rule,
          s.since,
        ]),
      );
      const out: string[] = [];
      for (const r of results) {
        out.push(
          `${ICON[r.status]} ${r.rule}${r.status === 'compliant' ? '' : ` (since ${shortTime(since.get(r.rule) ?? services.clock())})`}`,
        );
        if (r.error) out.push(`     ${r.error}`);
        for (const l of showResult(r, device.vendor)) out.push(`     ${l}`);
      }
      const bad = results.filter((r) => r.status !== 'compliant').length;
      return {
        summary: `${device.name}: ${results.length - bad} of ${results.length} rule${results.length === 1 ? '' : 's'} compliant`,
        ...(out.length
          ? { code: { content: `${out.join('\n')}\n`, filename: `compliance-${device.name}.txt` } }
          : {}),
      };
    }
    return fleetReport(results, devices.length, never, { scope: data.scope, rule: data.rule });
  },
});

function top(counts: Map<string, number>, n = 5): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([k, v]) => `${k} (${v})`)
    .join(', ');
}

function fleetReport(
  results: readonly RuleResult[],
  scoped: number,
  never: string,
  request: { scope?: string | undefined; rule?: string | undefined },
) {
  const failing = results.filter((r) => r.status !== 'compliant');
  const byRule = new Map<string, number>();
  const byDevice = new Map<string, number>();
  for (const r of failing) {
    byRule.set(r.rule, (byRule.get(r.rule) ?? 0) + 1);
    byDevice.set(r.device, (byDevice.get(r.device) ?? 0) + 1);
  }
  const devices = new Set(results.map((r) => r.device));
  const clean = [...devices].filter((d) => !byDevice.has(d)).length;
  const summary = `compliance: ${pct(results.length - failing.length, results.length)} of ${results.length} checks pass; ${clean} of ${devices.size} device${devices.size === 1 ? '' : 's'} fully compliant (${scoped} in scope${never})`;
  if (!failing.length) return { summary };
  const text = [`*Worst rules:* ${top(byRule)}`, `*Worst devices:* ${top(byDevice)}`].join('\n');
  const details: string[] = [];
  for (const r of failing) {
    details.push(`== ${r.device} ${r.rule} ${r.status}${r.error ? `: ${r.error}` : ''}`);
    for (const p of r.missing) details.push(`+ ${p.join(' > ')}`);
    for (const p of r.extra) details.push(`- ${p.join(' > ')}`);
  }
  // One change request for every failing device in this scope (a second engineer approves it).
  const fixable = failing.some((r) => r.status === 'noncompliant');
  const value = JSON.stringify({
    ...(request.scope ? { scope: request.scope } : {}),
    ...(request.rule ? { rule: request.rule } : {}),
  });
  return {
    summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(fixable
        ? [
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  action_id: REMEDIATE_ALL_ACTION_ID,
                  text: { type: 'plain_text', text: 'Remediate all' },
                  value,
                },
              ],
            },
          ]
        : []),
    ],
    files: [
      { filename: 'compliance-details.txt', content: `${details.join('\n')}\n`, title: 'Compliance details' },
    ],
  };
}
