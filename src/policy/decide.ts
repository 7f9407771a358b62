import { matchGlob } from '../text/index.js';
import { ACTIONS, type Action, changes } from './actions.js';
import { BUILTIN_ROLES, type DeviceScope, type PolicyConfig } from './schema.js';

/** What the policy needs to know about a device: the inventory fields scopes match on. */
export interface DeviceFacts {
  name: string;
  site?: string | undefined;
  role?: string | undefined;
  tags?: readonly string[] | undefined;
}

export interface ChannelFacts {
  id: string;
  /** Without the `#`; lets rules written as `#netops` match. Unknown for some requests. */
  name?: string | undefined;
}

export interface PolicyRequest {
  user: string;
  /** Slack user group ids the user belongs to (only the groups the policy names matter). */
  groups: readonly string[];
  action: Action;
  /** The devices the request touches; none for requests about no device (help, jobs, a CIDR). */
  devices?: readonly DeviceFacts[];
  channel: ChannelFacts;
}

/** One grant of a role, resolved: who, which actions, on which devices, in which channels. */
export interface Rule {
  /** Where it comes from: `policy.grants[2]`, or `default` without a policy section. */
  id: string;
  role: string;
  actions: readonly (Action | '*')[];
  /** `*` means everyone. */
  users: readonly string[];
  groups: readonly string[];
  /** Every scope listed must contain the device (the role's and the grant's). */
  scopes: readonly DeviceScope[];
  /** Every list must contain the channel (the role's and the grant's). */
  channels: readonly (readonly string[])[];
  /** One line for people: "role `operator` for <@U1>, <!subteam^S1> on site ams1 in <#C1>". */
  text: string;
}

export interface Policy {
  /** False when netops.yaml has no `policy` section and the read-only default applies. */
  configured: boolean;
  rules: readonly Rule[];
  /** User groups the rules name: the only ones worth looking up. */
  groups: readonly string[];
  groupCacheMs: number;
  /** Some rule names a channel as `#name`: requests need the channel's name, not only its id. */
  channelNames: boolean;
}

export type Decision =
  | { allow: true; rule: Rule }
  | {
      allow: false;
      /** Sentence for the user: what was refused and why. */
      reason: string;
      /** Rules that would allow this request were the user granted them (empty: none exists). */
      wouldAllow: Rule[];
      /** What to do next, naming the rule(s). */
      hint: string;
    };

const EVERYONE = '*';

const PUBLIC_RULE: Rule = {
  id: 'public',
  role: 'public',
  actions: ['public'],
  users: [EVERYONE],
  groups: [],
  scopes: [],
  channels: [],
  text: 'help and whoami are open to everyone',
};

export function scopeText(scope: DeviceScope): string {
  const parts: string[] = [];
  if (scope.site) parts.push(`site ${scope.site.join('|')}`);
  if (scope.role) parts.push(`role ${scope.role.join('|')}`);
  if (scope.tag) parts.push(`tag ${scope.tag.join('|')}`);
  if (scope.name) parts.push(`name ${scope.name.join('|')}`);
  return parts.join(', ');
}

const channelText = (ref: string) => (ref.startsWith('#') ? ref : `<#${ref}>`);

function ruleText(rule: Omit<Rule, 'text'>): string {
  const who = rule.users.includes(EVERYONE)
    ? 'everyone'
    : [...rule.users.map((u) => `<@${u}>`), ...rule.groups.map((g) => `<!subteam^${g}>`)].join(', ');
  const scope = rule.scopes.map(scopeText).filter(Boolean).join('; ');
  const chans = rule.channels.map((list) => list.map(channelText).join('|')).join(' and ');
  return `role \`${rule.role}\` (${rule.id}) for ${who}${scope ? ` on ${scope}` : ''}${chans ? ` in ${chans}` : ''}`;
}

/** Builds the rule table once from netops.yaml's `policy` section (or its absence). */
export function compilePolicy(config: PolicyConfig | undefined): Policy {
  if (!config) {
    const reads = (Object.keys(ACTIONS) as Action[]).filter((a) => a !== 'public' && !changes(a));
    const base = {
      id: 'default',
      role: 'default',
      actions: reads,
      users: [EVERYONE],
      groups: [],
      scopes: [],
      channels: [],
    };
    return {
      configured: false,
      rules: [{ ...base, text: `the default policy (no \`policy\` section): reads for everyone` }],
      groups: [],
      groupCacheMs: 300_000,
      channelNames: false,
    };
  }
  const roleOf = (name: string) => config.roles[name] ?? BUILTIN_ROLES[name];
  const rules: Rule[] = config.grants.map((g, i) => {
    const role = roleOf(g.role);
    const own = config.roles[g.role];
    const parent = own?.inherits ? roleOf(own.inherits) : undefined;
    const actions = [...new Set([...(role?.actions ?? []), ...(parent?.actions ?? [])])] as (Action | '*')[];
    const scopes = [own?.devices, g.devices].filter((s): s is DeviceScope => s !== undefined);
    const channels = [own?.channels, g.channels].filter((c): c is string[] => c !== undefined);
    const base = {
      id: `policy.grants[${i}]`,
      role: g.role,
      actions,
      users: g.users,
      groups: g.groups,
      scopes,
      channels,
    };
    return { ...base, text: ruleText(base) };
  });
  return {
    configured: true,
    rules,
    groups: [...new Set(config.grants.flatMap((g) => g.groups))],
    groupCacheMs: config.groupCacheSeconds * 1000,
    channelNames: rules.some((r) => r.channels.some((list) => list.some((c) => c.startsWith('#')))),
  };
}

const matchesAny = (values: readonly string[], value: string | undefined) =>
  value !== undefined && values.some((v) => v.toLowerCase() === value.toLowerCase());

export function inScope(scope: DeviceScope, d: DeviceFacts): boolean {
  if (scope.site && !matchesAny(scope.site, d.site)) return false;
  if (scope.role && !matchesAny(scope.role, d.role)) return false;
  if (scope.tag && !(d.tags ?? []).some((t) => matchesAny(scope.tag!, t))) return false;
  if (scope.name && !scope.name.some((g) => matchGlob(g, d.name))) return false;
  return true;
}

function channelMatches(list: readonly string[], ch: ChannelFacts): boolean {
  return list.some((ref) =>
    ref.startsWith('#')
      ? ch.name !== undefined && ref.slice(1).toLowerCase() === ch.name.toLowerCase()
      : ref === ch.id,
  );
}

const appliesTo = (r: Rule, user: string, groups: readonly string[]) =>
  r.users.includes(EVERYONE) || r.users.includes(user) || r.groups.some((g) => groups.includes(g));
const grantsAction = (r: Rule, a: Action) =>
  r.actions.includes(a) || (r.actions.includes('*') && a !== 'public');
const inChannels = (r: Rule, ch: ChannelFacts) => r.channels.every((list) => channelMatches(list, ch));
const outOfScope = (r: Rule, devices: readonly DeviceFacts[]) =>
  devices.filter((d) => !r.scopes.every((s) => inScope(s, d)));

/**
 * Who may do what, where: pure. Allows when one rule names the user (or one of their groups),
 * grants the action, includes the channel and covers every device. Otherwise says why, and which
 * rules would allow it.
 */
export function decide(req: PolicyRequest, policy: Policy): Decision {
  if (req.action === 'public') return { allow: true, rule: PUBLIC_RULE };
  const devices = req.devices ?? [];
  const withAction = policy.rules.filter((r) => grantsAction(r, req.action));
  for (const r of withAction) {
    if (
      appliesTo(r, req.user, req.groups) &&
      inChannels(r, req.channel) &&
      outOfScope(r, devices).length === 0
    )
      return { allow: true, rule: r };
  }
  const mine = withAction.filter((r) => appliesTo(r, req.user, req.groups));
  const wouldAllow = withAction.filter(
    (r) => inChannels(r, req.channel) && outOfScope(r, devices).length === 0,
  );
  const what = `\`${req.action}\` (${ACTIONS[req.action].summary})`;
  let reason: string;
  const here = mine.filter((r) => inChannels(r, req.channel));
  if (mine.length === 0) {
    reason = `You have no role that allows ${what}.`;
  } else if (here.length === 0) {
    reason = `Your ${mine.map((r) => `role \`${r.role}\``).join(', ')} allows ${what} only in ${[
      ...new Set(mine.flatMap((r) => r.channels.flat())),
    ]
      .map(channelText)
      .join(', ')}, not in <#${req.channel.id}>.`;
  } else {
    const outside = [...new Set(here.flatMap((r) => outOfScope(r, devices)).map((d) => d.name))];
    const shown = outside.slice(0, 5).map((n) => `\`${n}\``);
    if (outside.length > 5) shown.push(`${outside.length - 5} more`);
    reason = `Your ${here.map((r) => `role \`${r.role}\``).join(', ')} allows ${what} only on ${here
      .map((r) => r.scopes.map(scopeText).join('; '))
      .join(' or ')}; ${shown.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside it.`;
  }
  let hint: string;
  if (wouldAllow.length > 0) {
    const list = wouldAllow.slice(0, 3).map((r) => r.text);
    hint = `It would be allowed by ${list.join('; or ')}. Ask an admin to add you there (netops.yaml \`policy.grants\`).`;
  } else if (!policy.configured) {
    hint = `Without a \`policy\` section in netops.yaml only reads are allowed; an admin can grant \`${req.action}\` there (README: Access policy).`;
  } else if (withAction.length > 0) {
    hint = `Rules that allow \`${req.action}\` elsewhere: ${withAction
      .slice(0, 3)
      .map((r) => r.text)
      .join('; ')}.`;
  } else {
    hint = `No rule in netops.yaml allows \`${req.action}\`; an admin can add a grant with a role that has it (README: Access policy).`;
  }
  return { allow: false, reason, wouldAllow, hint };
}

/** The rules that name this user (directly, through a group, or as everyone): for whoami. */
export function rulesFor(policy: Policy, user: string, groups: readonly string[]): Rule[] {
  return policy.rules.filter((r) => appliesTo(r, user, groups));
}

/**
 * May the user do this action in this channel on at least some devices? What help uses to list a
 * command: the full decision, devices included, happens when the command runs.
 */
export function mayAtAll(
  policy: Policy,
  user: string,
  groups: readonly string[],
  action: Action,
  channel: ChannelFacts,
): boolean {
  if (action === 'public') return true;
  return policy.rules.some(
    (r) => grantsAction(r, action) && appliesTo(r, user, groups) && inChannels(r, channel),
  );
}

/** The facts a decision needs, from inventory devices (or a proposed device). */
export function deviceFacts(
  devices: readonly {
    name: string;
    site?: string | undefined;
    role?: string | undefined;
    tags?: readonly string[] | undefined;
  }[],
): DeviceFacts[] {
  return devices.map((d) => ({ name: d.name, site: d.site, role: d.role, tags: d.tags ?? [] }));
}

/** Actions a rule grants, spelled out (`*` expanded): for whoami. */
export function actionsOf(rule: Rule): Action[] {
  if (rule.actions.includes('*')) return (Object.keys(ACTIONS) as Action[]).filter((a) => a !== 'public');
  return rule.actions.filter((a): a is Action => a !== '*');
}
