import type { EmuMessage, SlackEmulator } from '../../src/lab/slack/index.js';

/** What a person saw in Slack for one job of the `sleep` test command. */
export interface JobTally {
  jobId: string;
  /** Progress messages (should be exactly one). */
  progress: EmuMessage[];
  /** Result messages ("woke up after … (job j-…)"; should be exactly one). */
  results: EmuMessage[];
  /** The last progress state: queued, running, retrying, done, failed. */
  state: string | undefined;
  /** From the progress message being posted to the first result, in ms (Slack's clock). */
  toResultMs: number | undefined;
}

const text = (m: EmuMessage) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const tsMs = (ts: string) => Number(ts) * 1000;

/** Every job of the sleep command seen in these channels, by job id, from the emulator's state. */
export function tallySleepJobs(emu: SlackEmulator, channels: string[]): Map<string, JobTally> {
  const out = new Map<string, JobTally>();
  const entry = (jobId: string) => {
    let t = out.get(jobId);
    if (!t) {
      t = { jobId, progress: [], results: [], state: undefined, toResultMs: undefined };
      out.set(jobId, t);
    }
    return t;
  };
  for (const channel of channels) {
    for (const m of emu.messages[channel] ?? []) {
      const result = /woke up after \d+ ms \(job (j-[0-9a-f]{8})\)/.exec(text(m));
      if (result) {
        entry(result[1]!).results.push(m);
        continue;
      }
      const progress = /^(queued|running|retrying|done|failed): .*\(job (j-[0-9a-f]{8})\)/.exec(m.text);
      if (progress) entry(progress[2]!).progress.push(m);
    }
  }
  for (const t of out.values()) {
    t.state = t.progress[0] ? /^(\w+):/.exec(t.progress[0].text)?.[1] : undefined;
    const first = t.results[0];
    if (first && t.progress[0]) t.toResultMs = tsMs(first.ts) - tsMs(t.progress[0].ts);
  }
  return out;
}

/** The counts a fault probe reports. */
export function summarise(tally: Map<string, JobTally>) {
  const all = [...tally.values()];
  return {
    jobs: all.length,
    results_lost: all.filter((t) => t.results.length === 0 && t.state !== 'failed').length,
    results_duplicated: all.filter((t) => t.results.length > 1).length,
    progress_duplicated: all.filter((t) => t.progress.length > 1).length,
    progress_stuck: all.filter((t) => t.state !== 'done' && t.state !== 'failed').length,
    failed: all.filter((t) => t.state === 'failed').length,
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
