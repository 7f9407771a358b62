import { z } from 'zod';
import { createChangeStore } from '../src/changes/index.js';
import { evaluateLatest, remediateFleet } from '../src/compliance/index.js';
import { resolveSettings } from '../src/configs/index.js';
import { userText } from '../src/errors.js';
import { defineJob } from '../src/services/index.js';

const waveStep = z.union([
  z.number().int().min(1).max(10_000),
  z
    .string()
    .regex(/^(?:100|[1-9]\d?)%$/)
    .transform((s) => s as `${number}%`),
  z.literal('rest'),
]);

/**
 * `compliance remediate <scope> [--rule R]` and the fleet summary's Remediate all button: evaluates
 * the latest configs, then proposes ONE change request with each non-compliant device's own lines,
 * applied in waves (`compliance.remediation.waves`) once a second engineer approves it.
 */
export default defineJob({
  name: 'compliance.remediate',
  needs: ['changes', 'clock', 'config', 'configs', 'inventory', 'pool'],
  schema: z
    .object({
      /** Name glob or `site:x` / `role:y` / `tag:z`; absent: the whole inventory. */
      scope: z.string().min(1).max(200).optional(),
      rule: z.string().min(1).max(100).optional(),
      waves: z.array(waveStep).min(1).max(20).optional(),
    })
    .strict(),
  attempts: 1,
  timeoutMs: 300_000,
  action: 'change.request',
  devicesOf: (data, services) =>
    (data.scope ? services.inventory.match({ pattern: data.scope }) : [...services.inventory.list()]).map(
      (d) => ({ name: d.name, site: d.site, role: d.role, tags: d.tags }),
    ),
  describe: (d) =>
    `compliance remediation of ${d.scope ? `\`${d.scope}\`` : 'the fleet'}${d.rule ? ` for \`${d.rule}\`` : ''}`,
  async process(data, { services, origin }) {
    const inv = services.inventory;
    const rules = services.config.compliance;
    if (data.rule && !rules.rules.some((r) => r.name === data.rule))
      return { summary: `no compliance rule is named \`${data.rule}\``, ok: false };
    if (!origin?.userId) return { summary: 'a remediation needs a person to request it', ok: false };
    const devices = data.scope ? inv.match({ pattern: data.scope }) : [...inv.list()];
    const secretMarker = resolveSettings(services.configs).secretMarker;
    // Fresh results: the rules or the configs may have moved since the last evaluation.
    const { results } = await evaluateLatest(
      { pool: services.pool, rules, secretMarker, clock: services.clock },
      devices,
    );
    const locks = await createChangeStore(services.pool).locks(devices.map((d) => d.name));
    const waves = data.waves ?? rules.remediation.waves;
    try {
      const out = await remediateFleet((input) => services.changes.createChangeRequest(input), {
        devices,
        results,
        ...(data.rule ? { rule: data.rule } : {}),
        waves,
        requester: origin.userId,
        ...(origin.channel ? { channel: origin.channel } : {}),
        secretMarker,
        locked: new Map(locks.map((l) => [l.device, l.changeId])),
      });
      const n = Object.keys(out.plan.deviceLines).length;
      return {
        summary: out.change
          ? `change ${out.change.id}: remediation of ${n} device(s) proposed; dry run running`
          : `nothing to remediate${out.plan.skipped.length ? ` (${out.plan.skipped.length} skipped)` : ''}`,
        text: out.text,
      };
    } catch (err) {
      return { summary: `remediation not proposed: ${userText(err)}`, ok: false };
    }
  },
});
