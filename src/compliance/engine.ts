import Mustache from 'mustache';
import { userRegExp } from '../bounded-regexp.js';
import type { Vendor } from '../config.js';
import type { BlockStyle } from '../configs/section.js';
import { extractSections } from '../configs/section.js';
import { inScope } from '../policy/decide.js';
import type { ComplianceConfig, ComplianceRule, RuleKind } from './schema.js';
import { type ConfigNode, leafFlags, parseConfig, SEP, showPaths } from './tree.js';

/** What a rule needs to know about a device: inventory fields, and nothing secret. */
export interface DeviceInfo {
  name: string;
  vendor: Vendor;
  site?: string | undefined;
  role?: string | undefined;
  tags?: readonly string[] | undefined;
  host?: string | undefined;
}

export type Status = 'compliant' | 'noncompliant' | 'error';

export interface RuleResult {
  rule: string;
  device: string;
  kind: RuleKind;
  status: Status;
  /** Paths (ancestors, then the line) the device lacks. */
  missing: string[][];
  /** Paths the device has and must not (absent rules; lines beyond the intended section). */
  extra: string[][];
  /** Why the rule could not be evaluated (a template variable not set for this device). */
  error?: string;
}

export const BLOCK_STYLE: Readonly<Record<Vendor, BlockStyle>> = {
  cisco_iosxe: 'indent',
  cisco_nxos: 'indent',
  arista_eos: 'indent',
  juniper_junos: 'braces',
  frr: 'indent',
  linux: 'indent',
};

/** A device's config parsed once, evaluated against every rule. */
export interface PreparedConfig {
  vendor: Vendor;
  text: string;
  nodes: ConfigNode[];
  keys: Set<string>;
}

export function prepareConfig(vendor: Vendor, text: string): PreparedConfig {
  const style = BLOCK_STYLE[vendor] ?? 'indent';
  const nodes = parseConfig(text, style);
  return { vendor, text, nodes, keys: keysOf(nodes, style) };
}

/**
 * The statements a config holds. In Junos a block exists when anything is set inside it, so a
 * config in set form (`set system ntp server x`) holds the `system` and `system ntp` blocks too.
 */
function keysOf(nodes: readonly ConfigNode[], style: BlockStyle): Set<string> {
  const keys = new Set(nodes.map((n) => n.key));
  if (style === 'braces')
    for (const n of nodes) {
      if (n.path.length !== 1) continue;
      const words = n.key.split(' ');
      for (let i = 1; i < words.length; i++) keys.add(words.slice(0, i).join(' '));
    }
  return keys;
}

export interface EvaluateOptions {
  /** What stored configs show for a secret; a `{{secrets.X}}` renders as this, so it never leaves. */
  secretMarker: string;
}

/** Rules that apply to a device: in scope, with a variant for its vendor. */
export function rulesForDevice(cfg: ComplianceConfig, device: DeviceInfo): ComplianceRule[] {
  return cfg.rules.filter((r) => applies(r, device));
}

export function applies(rule: ComplianceRule, device: DeviceInfo): boolean {
  if (
    rule.scope &&
    !inScope(rule.scope, {
      name: device.name,
      site: device.site,
      role: device.role,
      tags: [...(device.tags ?? [])],
    })
  )
    return false;
  return variantFor(rule, device.vendor) !== undefined;
}

function variantFor(rule: ComplianceRule, vendor: Vendor) {
  const v = rule.vendors?.[vendor as string];
  if (v)
    return {
      lines: v.lines ?? rule.lines,
      patterns: v.patterns ?? rule.patterns,
      match: v.match ?? rule.match,
    };
  if (rule.vendors && !rule.lines && !rule.patterns) return undefined;
  if (!rule.lines && !rule.patterns) return undefined;
  return { lines: rule.lines, patterns: rule.patterns, match: rule.match };
}

/** The view templates render from: device fields, its site's variables, global vars, secrets by name. */
export function templateView(cfg: ComplianceConfig, device: DeviceInfo, opts: EvaluateOptions) {
  const secrets = new Proxy({}, { get: () => opts.secretMarker, has: () => true });
  return {
    device: {
      name: device.name,
      vendor: device.vendor,
      site: device.site,
      role: device.role,
      host: device.host,
      tags: device.tags ?? [],
    },
    site: { name: device.site, ...(device.site ? (cfg.sites[device.site] ?? {}) : {}) },
    vars: cfg.vars,
    secrets,
  };
}

function lookup(view: unknown, name: string): unknown {
  if (name === '.') return view;
  let cur: unknown = view;
  for (const part of name.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const parsedTemplates = new Map<string, unknown[]>();

/** Renders a template; a variable the device has no value for is an error, never an empty string. */
export function render(template: string, view: object): string {
  if (!template.includes('{{')) return template;
  let tokens = parsedTemplates.get(template) as [string, string][] | undefined;
  if (!tokens) {
    tokens = Mustache.parse(template) as unknown as [string, string][];
    parsedTemplates.set(template, tokens);
  }
  for (const t of tokens) {
    if ((t[0] === 'name' || t[0] === '&' || t[0] === '#') && lookup(view, t[1]) === undefined)
      throw new TemplateError(t[1]);
  }
  return Mustache.render(template, view, {}, { escape: (s: unknown) => String(s) });
}

export class TemplateError extends Error {
  constructor(readonly variable: string) {
    super(`template variable {{${variable}}} has no value for this device`);
  }
}

const parsedLines = new Map<string, ConfigNode[]>();
const MAX_CACHED = 20_000;

function parseCached(text: string, style: BlockStyle): ConfigNode[] {
  const k = `${style}${SEP}${text}`;
  let nodes = parsedLines.get(k);
  if (!nodes) {
    if (parsedLines.size >= MAX_CACHED) parsedLines.clear();
    nodes = parseConfig(text, style);
    parsedLines.set(k, nodes);
  }
  return nodes;
}

const regexCache = new Map<string, RegExp>();
function regex(p: string): RegExp {
  let r = regexCache.get(p);
  if (!r) {
    // Validated (and bounded) when the config was loaded; bounded here again for hand-built rule sets.
    r = userRegExp(p);
    regexCache.set(p, r);
  }
  return r;
}

/** Indexes of `want` that are not part of a longest in-order match against `have`. */
function outOfOrder(want: readonly string[], have: readonly string[]): Set<number> {
  const n = want.length;
  const m = have.length;
  const dp: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      dp[i]![j] = want[i] === have[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const kept = new Set<number>();
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (want[i] === have[j]) {
      kept.add(i);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  const out = new Set<number>();
  for (let k = 0; k < n; k++) if (!kept.has(k)) out.add(k);
  return out;
}

/** Tpl nodes the config lacks (or has out of order when `ordered`). */
function missingFrom(
  tpl: ConfigNode[],
  haveNodes: ConfigNode[],
  haveKeys: Set<string>,
  ordered: boolean,
): string[][] {
  if (!ordered) return tpl.filter((n) => !haveKeys.has(n.key)).map((n) => n.path);
  const wantKeys = new Set(tpl.map((n) => n.key));
  const have = haveNodes.filter((n) => wantKeys.has(n.key)).map((n) => n.key);
  const bad = outOfOrder(
    tpl.map((n) => n.key),
    have,
  );
  return tpl.filter((_, i) => bad.has(i)).map((n) => n.path);
}

/** One rule against one device's config. Undefined when the rule does not apply to the device. */
export function evaluateRule(
  cfg: ComplianceConfig,
  rule: ComplianceRule,
  device: DeviceInfo,
  config: PreparedConfig,
  opts: EvaluateOptions,
): RuleResult | undefined {
  if (!applies(rule, device)) return undefined;
  const v = variantFor(rule, device.vendor)!;
  const style = BLOCK_STYLE[device.vendor] ?? 'indent';
  const base = { rule: rule.name, device: device.name, kind: rule.kind };
  let rendered = '';
  try {
    if (v.lines) rendered = render(v.lines, templateView(cfg, device, opts));
  } catch (e) {
    if (e instanceof TemplateError)
      return { ...base, status: 'error', missing: [], extra: [], error: e.message };
    throw e;
  }
  const tpl = rendered ? parseCached(rendered, style) : [];
  let missing: string[][] = [];
  let extra: string[][] = [];
  switch (rule.kind) {
    case 'present':
      missing = missingFrom(tpl, config.nodes, config.keys, rule.ordered);
      break;
    case 'absent': {
      const banned = new Set(tpl.map((n) => n.key));
      const res = (v.patterns ?? []).map(regex);
      extra = config.nodes
        .filter((n) => banned.has(n.key) || res.some((r) => r.test(n.path[n.path.length - 1]!)))
        .map((n) => n.path);
      break;
    }
    case 'section': {
      const re = regex(v.match!);
      const actualText = extractSections(config.text, (line) => re.test(line.trim()), style).text;
      const actual = parseConfig(actualText.replace(/^…$/gm, ''), style);
      const actualKeys = keysOf(actual, style);
      const wanted = new Set(tpl.map((n) => n.key));
      missing = missingFrom(tpl, actual, actualKeys, rule.ordered);
      // A block header is not extra when the template wants something inside it (a set-form
      // template names no headers of its own).
      const within = new Set<string>();
      if (style === 'braces')
        for (const k of wanted) {
          const words = k.split(' ');
          for (let i = 1; i < words.length; i++) within.add(words.slice(0, i).join(' '));
        }
      extra = actual.filter((n) => !wanted.has(n.key) && !(n.header && within.has(n.key))).map((n) => n.path);
      break;
    }
  }
  return { ...base, status: missing.length || extra.length ? 'noncompliant' : 'compliant', missing, extra };
}

/** Every applicable rule against one device's config. */
export function evaluateDevice(
  cfg: ComplianceConfig,
  device: DeviceInfo,
  config: PreparedConfig | string,
  opts: EvaluateOptions,
): RuleResult[] {
  const prepared = typeof config === 'string' ? prepareConfig(device.vendor, config) : config;
  const out: RuleResult[] = [];
  for (const rule of cfg.rules) {
    const r = evaluateRule(cfg, rule, device, prepared, opts);
    if (r) out.push(r);
  }
  return out;
}

/** A result's lines as config text: `+` missing, `-` extra. */
export function showResult(r: Pick<RuleResult, 'missing' | 'extra'>, vendor: Vendor): string[] {
  const style = BLOCK_STYLE[vendor] ?? 'indent';
  return [
    ...showPaths(r.missing, style).map((l) => `+ ${l}`),
    ...showPaths(r.extra, style).map((l) => `- ${l}`),
  ];
}

/**
 * Vendor-correct lines that bring a device back to compliance: missing lines added under their
 * block headers, extra ones removed (`no …` on Cisco-style and FRR, `delete …` on Junos). Lines
 * that would carry a secret marker are left out and listed in `withheld`: a secret is never pushed.
 */
export function remediation(
  results: readonly Pick<RuleResult, 'missing' | 'extra'>[],
  vendor: Vendor,
  secretMarker: string,
): { lines: string[]; withheld: string[] } {
  const withheld: string[] = [];
  const keep = (p: string[]) => {
    if (p.some((s) => s.includes(secretMarker))) {
      withheld.push(p.join(' '));
      return false;
    }
    return true;
  };
  const add = results.flatMap((r) => r.missing).filter(keep);
  const del = results.flatMap((r) => r.extra).filter(keep);
  // A removed block takes its children with it.
  const delKeys = new Set(del.map((p) => p.join(SEP)));
  const delTop = del.filter(
    (p) => !p.some((_, d) => d < p.length - 1 && delKeys.has(p.slice(0, d + 1).join(SEP))),
  );
  if (vendor === 'juniper_junos') {
    const leaves = leafFlags(add);
    return {
      lines: [
        ...delTop.map((p) => `delete ${p.join(' ')}`),
        ...add.filter((_, i) => leaves[i]).map((p) => `set ${p.join(' ')}`),
      ],
      withheld,
    };
  }
  const negate = (s: string) => (s.startsWith('no ') ? s.slice(3) : `no ${s}`);
  const leaves = leafFlags(add);
  const paths = [
    ...delTop.map((p) => [...p.slice(0, -1), negate(p[p.length - 1]!)]),
    ...add.filter((_, i) => leaves[i]),
  ];
  return { lines: showPaths(paths, 'indent'), withheld };
}
