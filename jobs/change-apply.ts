import { jobComplianceHook } from '../src/compliance/index.js';
import { z } from 'zod';
import {
  approvalCard,
  backupNow,
  type ChangeDevice,
  type ChangeRequest,
  type ChangeStore,
  type CheckResult,
  changeHash,
  changeEngine,
  changeLines,
  changeOps,
  commitConfirmed,
  confirmChange,
  currentBody,
  type EngineDeps,
  health,
  linesFor,
  planOf,
  planWaves,
  planWavesBy,
  postChecks,
  rollbackDevice,
} from '../src/changes/index.js';
import type { Device } from '../src/config.js';
import { unifiedDiff } from '../src/configs/index.js';
import { codeBlock } from '../src/chat/index.js';
import { userText } from '../src/errors.js';
import { defineJob, type ServicesOf } from '../src/services/index.js';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

interface Outcome {
  device: string;
  ok: boolean;
  detail: string;
  checks?: CheckResult[];
  committed: boolean;
}

function checksText(checks: readonly CheckResult[]): string {
  return checks.map((c) => `${c.ok ? ':white_check_mark:' : ':x:'} ${c.name}: ${c.detail}`).join('\n');
}

/**
 * Applies an approved change: per wave (a canary, then waves), backup → commit inside the vendor's
 * confirm window → post-checks → confirm, or roll back and stop. A second run of this job (the first
 * worker died) never applies again: it finds the change `applying` and reconciles what the devices hold.
 */
export default defineJob({
  name: 'change.apply',
  needs: [
    'changes',
    'clock',
    'config',
    'configs',
    'devices',
    'enqueue',
    'inventory',
    'monitoring',
    'pool',
    'responder',
  ],
  queue: 'devices',
  schema: z.object({ id: z.string().regex(/^CR-\d+$/) }).strict(),
  attempts: 1,
  timeoutMs: 6 * 3_600_000,
  describe: (d) => `apply change ${d.id}`,
  async process(data, { services, signal, log }) {
    const engine = {
      ...changeEngine(services, signal),
      onNewVersion: jobComplianceHook(services, log),
    };
    const store = services.changes.store;
    const authorize = services.changes.authorize;
    const first = await store.get(data.id);
    if (!first) return { summary: `no change ${data.id}`, ok: false };
    const post = async (c: ChangeRequest, text: string, filename: string) => {
      if (!c.cardTs) return;
      const dest = { channel: c.channel, threadTs: c.cardTs };
      if (text.length <= 2_800 && text.split('\n').length <= 40)
        await services.responder.post(dest, { text: codeBlock(text) }).catch(() => {});
      else
        await services.responder.upload(dest, [{ filename, content: text, title: filename }]).catch(() => {});
    };
    const say = (c: ChangeRequest, text: string) =>
      c.cardTs
        ? services.responder.post({ channel: c.channel, threadTs: c.cardTs }, { text }).then(
            () => {},
            (err) => log.warn({ err }, 'could not post a change report'),
          )
        : Promise.resolve();
    const finish = async (c: ChangeRequest, to: 'confirmed' | 'rolled_back' | 'failed', why: string) => {
      // Over several devices, the end says where each one ended: confirmed, rolled back, failed, skipped.
      const rows = c.devices.length > 1 ? await store.devices(c.id) : [];
      const detail = rows.length ? `${why}\n${deviceTally(rows)}` : why;
      const done = (await store.transition(c.id, ['applying', 'approved'], to, { detail })) ?? c;
      if (done.cardTs) {
        await services.responder
          .update({ channel: done.channel, ts: done.cardTs }, approvalCard(done, { diffAsFile: false }))
          .catch(() => {});
      }
      await say(
        done,
        `${to === 'confirmed' ? ':white_check_mark:' : to === 'rolled_back' ? ':rewind:' : ':x:'} ${detail}`,
      );
      return {
        summary: `change ${c.id} ${to.replace('_', ' ')}: ${detail.split('\n')[0]}`,
        ok: to === 'confirmed',
      };
    };

    let c: ChangeRequest;
    let recovering = false;
    if (first.state === 'approved') {
      // The worker checks again what the approval checked: a second person, bound to this content.
      if (
        !first.approver ||
        first.approver === first.requester ||
        !first.dryRun ||
        first.hash !== changeHash(first.devices, first.lines, first.dryRun, planOf(first))
      ) {
        return finish(first, 'failed', 'the approval does not match the change; nothing was applied');
      }
      // And the policy, as it stands now (a role may have been taken away since the click).
      for (const [who, action] of [
        [first.requester, 'change.request'],
        [first.approver, 'change.approve'],
      ] as const) {
        const ok = authorize(who, action, first.devices, first.channel);
        if (!ok.ok) return finish(first, 'failed', `not applied: ${ok.reason}`);
      }
      const moved = await store.transition(first.id, ['approved'], 'applying');
      if (!moved) return { summary: `change ${first.id} was taken by another run` };
      c = moved;
      await store.planDevices(
        c.id,
        c.waves ? planWavesBy(c.devices, c.waves) : planWaves(c.devices, services.config.changes.waveSize),
      );
    } else if (first.state === 'applying') {
      recovering = true;
      c = first;
      await say(
        c,
        ':warning: the worker applying this change stopped; reconciling what the devices hold (nothing is applied again).',
      );
    } else {
      return { summary: `change ${first.id} is ${first.state}; nothing to apply` };
    }

    const ctx = { tag: c.id.toLowerCase(), minutes: c.rollbackMinutes };
    const creds = services.config.changes.credentials;
    // The requester's own device account when mapped, so the device's AAA accounting names them.
    const asRequester = (d: Device): Device =>
      creds[c.requester] ? { ...d, credential: creds[c.requester]! } : d;
    const all = await store.devices(c.id);
    const waves = [...new Set(all.map((d) => d.wave))]
      .sort((a, b) => a - b)
      .map((w) => all.filter((d) => d.wave === w));

    if (recovering) return recover(services, engine, store, c, all, ctx, finish, say);

    const author = `<@${c.requester}> approved by <@${c.approver}>`;
    let confirmed = 0;
    const lateRollbacks: string[] = [];
    for (const [wi, wave] of waves.entries()) {
      const label = wi === 0 ? 'canary' : `wave ${wi}`;
      await say(c, `:arrow_forward: ${label}: ${wave.map((d) => d.device).join(', ')}`);
      const outcomes = await Promise.all(
        wave.map(async (row): Promise<Outcome> => {
          const device = asRequester(services.inventory.require(row.device));
          const dry = c.dryRun!.find((d) => d.device === row.device)!;
          let committed = false;
          try {
            const backup = await backupNow(engine, device);
            if (backup.version.id !== dry.versionId) {
              await store.setDevice(c.id, row.device, 'skipped', {
                detail: 'configuration changed since the dry run',
              });
              return {
                device: row.device,
                ok: false,
                committed,
                detail: 'its configuration changed since the dry run (stale); not applied',
              };
            }
            await store.setDevice(c.id, row.device, 'backed_up', {
              backupSha: backup.version.sha256,
              backupVersion: backup.version.id,
            });
            const before = await health(engine, device);
            const confirmBy = new Date(services.clock().getTime() + c.rollbackMinutes * 60_000);
            await store.setDevice(c.id, row.device, 'committing', { confirmBy });
            if (changeOps(device).window === 'emulated') {
              await services.enqueue(
                'change.rollback',
                { id: c.id, device: row.device },
                {
                  jobId: `rollback-${c.id}-${row.device}`,
                  delayMs: c.rollbackMinutes * 60_000,
                },
              );
            }
            committed = true;
            await commitConfirmed(engine, device, changeLines(linesFor(c, row.device)), ctx);
            await store.setDevice(c.id, row.device, 'committed');
            await say(
              c,
              `\`${row.device}\`: committed inside the ${changeOps(device).windowName} (${c.rollbackMinutes} min)`,
            );
            if (services.config.changes.soak) await sleep(services.config.changes.soak, signal);
            const checks = await postChecks(engine, device, before, c.checks);
            const ok = checks.every((x) => x.ok);
            await store.setDevice(c.id, row.device, 'committed', { checks });
            return {
              device: row.device,
              ok,
              committed,
              checks,
              detail: ok ? 'post-checks passed' : 'post-checks failed',
            };
          } catch (err) {
            return { device: row.device, ok: false, committed, detail: userText(err) };
          }
        }),
      );
      for (const o of outcomes) {
        if (o.checks) await say(c, `\`${o.device}\` post-checks:\n${checksText(o.checks)}`);
      }
      if (outcomes.every((o) => o.ok)) {
        for (const o of outcomes) {
          const device = asRequester(services.inventory.require(o.device));
          await confirmChange(engine, device, ctx);
          // A confirm that came too late finds the change already taken back: say so, do not claim it.
          const dry = c.dryRun!.find((x) => x.device === o.device)!;
          const row = (await store.devices(c.id)).find((x) => x.device === o.device)!;
          if (
            dry.diff &&
            (await currentBody(engine, device)) === (await engine.configs.body(row.backupSha!))
          ) {
            await store.setDevice(c.id, o.device, 'rolled_back', {
              confirmBy: null,
              detail: 'the device rolled the change back before the confirm arrived',
            });
            await say(
              c,
              `:warning: \`${o.device}\`: the device's timer took the change back before the confirm arrived`,
            );
            lateRollbacks.push(o.device);
            continue;
          }
          await store.setDevice(c.id, o.device, 'confirmed', { confirmBy: null });
          // A version authored by requester and approver, whatever the syslog listener records.
          const v = await backupNow(engine, device, author).catch(() => undefined);
          await say(c, `\`${o.device}\`: confirmed${v ? ` · config version v${v.version.id}` : ''}`);
          if (v) {
            // Before/after as the backups saw it: what the device really holds now, not what was typed.
            const diff = unifiedDiff(
              {
                label: `${o.device} v${row.backupVersion} (before)`,
                text: await engine.configs.body(row.backupSha!),
              },
              { label: `${o.device} v${v.version.id} (after)`, text: v.body },
            );
            if (diff.text) await post(c, diff.text, `${c.id}-${o.device}.diff`);
          }
          confirmed++;
        }
        if (lateRollbacks.length) {
          for (const later of waves.slice(wi + 1).flat())
            await store.setDevice(c.id, later.device, 'skipped', {
              detail: 'stopped: a confirm came too late',
            });
          return finish(
            c,
            'rolled_back',
            `the confirm window ended before the post-checks finished on ${lateRollbacks.join(', ')}; the device rolled back. Use a longer rollback timer.`,
          );
        }
        continue;
      }
      // The first failing wave is rolled back whole and stops the rest.
      const problems: string[] = [];
      for (const o of outcomes) {
        if (!o.ok)
          problems.push(
            `\`${o.device}\`: ${o.detail}${o.checks ? `\n${checksText(o.checks.filter((x) => !x.ok))}` : ''}`,
          );
      }
      let restoredAll = true;
      for (const o of outcomes) {
        if (!o.committed) continue;
        const device = asRequester(services.inventory.require(o.device));
        const fresh = (await store.devices(c.id)).find((d) => d.device === o.device)!;
        const backupBody = await engine.configs.body(fresh.backupSha!);
        const r = await rollbackDevice(engine, device, ctx, backupBody).catch((err) => ({
          restored: false,
          detail: userText(err),
        }));
        restoredAll &&= r.restored;
        await store.setDevice(c.id, o.device, r.restored ? 'rolled_back' : 'failed', {
          confirmBy: null,
          detail: r.detail,
        });
        await say(
          c,
          `\`${o.device}\`: ${r.restored ? 'rolled back; ' : ':x: rollback incomplete: '}${r.detail}`,
        );
      }
      for (const later of waves.slice(wi + 1).flat())
        await store.setDevice(c.id, later.device, 'skipped', { detail: `stopped after ${label} failed` });
      const summary = `${label} failed; ${confirmed ? `${confirmed} device(s) of earlier waves stay confirmed; ` : ''}${waves.slice(wi + 1).flat().length} device(s) not started.\n${problems.join('\n')}`;
      // Nothing reached any device: the change failed rather than rolled back.
      const touched = confirmed > 0 || outcomes.some((o) => o.committed);
      return finish(
        c,
        restoredAll && touched ? 'rolled_back' : 'failed',
        restoredAll ? summary : `${summary}\nSome devices could not be restored: check them now.`,
      );
    }
    return finish(c, 'confirmed', `confirmed on ${confirmed} device(s); post-checks passed`);
  },
});

const TALLY: Array<[ChangeDevice['state'], string]> = [
  ['confirmed', 'confirmed'],
  ['rolled_back', 'rolled back'],
  ['failed', 'failed'],
  ['skipped', 'skipped'],
];

/** `confirmed (2): a, b · rolled back (1): c · skipped (3): d, e, f` */
function deviceTally(rows: readonly ChangeDevice[]): string {
  return TALLY.map(([state, label]) => {
    const names = rows.filter((r) => r.state === state).map((r) => r.device);
    if (!names.length) return '';
    const shown =
      names.length > 30 ? `${names.slice(0, 30).join(', ')} +${names.length - 30}` : names.join(', ');
    return `${label} (${names.length}): ${shown}`;
  })
    .filter(Boolean)
    .join(' · ');
}

/**
 * A previous run died mid-apply. Devices it committed but never confirmed are rolled back by their
 * own timer (or the emulated one); this waits for that, restores explicitly if the window passed,
 * and never applies anything.
 */
async function recover(
  services: ServicesOf<'inventory' | 'clock' | 'responder'>,
  engine: EngineDeps,
  store: ChangeStore,
  c: ChangeRequest,
  all: ChangeDevice[],
  ctx: { tag: string; minutes: number },
  finish: (
    c: ChangeRequest,
    to: 'confirmed' | 'rolled_back' | 'failed',
    detail: string,
  ) => Promise<{ summary: string; ok: boolean }>,
  say: (c: ChangeRequest, text: string) => Promise<void>,
) {
  const lines: string[] = [];
  let restoredAll = true;
  for (const row of all) {
    if (!['backed_up', 'committing', 'committed'].includes(row.state)) continue;
    const device = services.inventory.require(row.device);
    const backupBody = await engine.configs.body(row.backupSha!);
    // Only a device's own timer is worth waiting for; an emulated window is this bot's job, and
    // restoring now is what it would do (its delayed run then finds the device handled).
    const deviceTimer = changeOps(device).window === 'device';
    const deadline = deviceTimer ? (row.confirmBy?.getTime() ?? services.clock().getTime()) + 30_000 : 0;
    let restored = false;
    let detail = '';
    // Looks at least once: a device that never got the commit needs nothing.
    for (
      let first = true;
      first || (!restored && services.clock().getTime() < deadline && !engine.signal?.aborted);
      first = false
    ) {
      const now = await currentBody(engine, device).catch(() => undefined);
      if (now === backupBody) {
        restored = true;
        detail =
          row.state === 'backed_up'
            ? 'never committed'
            : 'back on the backup: its confirm timer rolled it back';
        break;
      }
      await sleep(1_000, engine.signal);
    }
    if (!restored) {
      const r = await rollbackDevice(engine, device, ctx, backupBody).catch((err) => ({
        restored: false,
        detail: userText(err),
      }));
      restored = r.restored;
      detail = restored
        ? deviceTimer
          ? 'rolled back by recovery after the window passed'
          : 'restored to the backup by recovery (emulated confirm window)'
        : r.detail;
    }
    restoredAll &&= restored;
    await store.setDevice(c.id, row.device, restored ? 'rolled_back' : 'failed', { confirmBy: null, detail });
    lines.push(`\`${row.device}\`: ${detail}`);
    await say(c, `\`${row.device}\`: ${detail}`);
  }
  for (const row of all.filter((r) => r.state === 'pending')) {
    await store.setDevice(c.id, row.device, 'skipped', { detail: 'not started before the worker stopped' });
  }
  return finish(
    c,
    restoredAll ? 'rolled_back' : 'failed',
    `the worker stopped before confirming; nothing was applied twice.\n${lines.join('\n')}`,
  );
}
