import { ErrorCode, NetopsError } from '../errors.js';
import { type Action, isAction } from './actions.js';
import {
  type ChannelFacts,
  type Decision,
  type DeviceFacts,
  decide,
  mayAtAll,
  type Policy,
  type Rule,
  rulesFor,
} from './decide.js';

export interface GuardOptions {
  policy: Policy;
  /** Members of one Slack user group (usergroups.users.list); the composition root passes the Web API. */
  listGroupMembers(groupId: string): Promise<readonly string[]>;
  /** ms clock; group memberships expire after policy.groupCacheMs. */
  now?: () => number;
  /** A channel's name from its id (conversations.info), for `#name` rules when the request lacks it. */
  channelName?(channelId: string): Promise<string | undefined>;
  onLookupError?(what: string, err: unknown): void;
}

export interface CheckInput {
  user: string;
  action: Action;
  devices?: readonly DeviceFacts[];
  channel: ChannelFacts;
}

export interface Access {
  user: string;
  groups: readonly string[];
  /** Groups whose membership could not be read (Slack API down): treated as not a member. */
  unknownGroups: readonly string[];
  rules: readonly Rule[];
  /** May the user do this in this channel on some devices (what `help` lists)? */
  can(action: Action): boolean;
  decide(action: Action, devices?: readonly DeviceFacts[]): Decision;
}

export interface Guard {
  readonly policy: Policy;
  /** What this user may do in this channel: one group lookup, many decisions. */
  access(user: string, channel: ChannelFacts): Promise<Access>;
  check(input: CheckInput): Promise<Decision>;
  /** A `subteam_members_changed` event (or anything else that says a group changed): ask Slack again next time. */
  forgetGroup(groupId: string): void;
  /**
   * The same decision without waiting on Slack, for callers that cannot wait (the change
   * service's checks): user groups and channel names as this process last learnt them (a request
   * by the user has just looked them up); a group not known yet counts as not a member.
   */
  decideCached(input: CheckInput): Decision;
}

/** A denial as an error: the user sees the reason and the rule that would allow it. */
export function policyDenial(action: Action, decision: Extract<Decision, { allow: false }>): NetopsError {
  return new NetopsError(ErrorCode.FORBIDDEN, `policy denied ${action}: ${decision.reason}`, {
    context: { action, policyDenied: true, wouldAllow: decision.wouldAllow.map((r) => r.id) },
    userMessage: decision.reason,
    hint: decision.hint,
  });
}

/** Was this error a policy denial (rather than any other refusal)? */
export function isPolicyDenial(err: unknown): err is NetopsError {
  return err instanceof NetopsError && err.code === ErrorCode.FORBIDDEN && err.context.policyDenied === true;
}

/** What one user may do in one channel, once their groups are known. Pure. */
export function accessFor(
  policy: Policy,
  user: string,
  groups: readonly string[],
  channel: ChannelFacts,
  unknownGroups: readonly string[] = [],
): Access {
  return {
    user,
    groups,
    unknownGroups,
    rules: rulesFor(policy, user, groups),
    can: (action) => mayAtAll(policy, user, groups, action, channel),
    decide: (action, devices = []) => {
      const d = decide({ user, groups, action, devices, channel }, policy);
      if (d.allow || unknownGroups.length === 0) return d;
      return {
        ...d,
        hint: `${d.hint} (Slack did not say who is in ${unknownGroups.map((g) => `<!subteam^${g}>`).join(', ')} just now; membership there was not counted.)`,
      };
    },
  };
}

/**
 * The policy plus the one fact it cannot know by itself: who is in which user group. Membership is
 * cached per group for policy.groupCacheMs and dropped early when Slack says the group changed; a
 * failed lookup counts as "not a member" and is not cached, so the next request asks again.
 */
export function createGuard(options: GuardOptions): Guard {
  const { policy } = options;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { members: ReadonlySet<string>; at: number }>();
  const inflight = new Map<string, Promise<ReadonlySet<string> | undefined>>();

  const members = (groupId: string): Promise<ReadonlySet<string> | undefined> => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < policy.groupCacheMs) return Promise.resolve(hit.members);
    let p = inflight.get(groupId);
    if (!p) {
      const started = now();
      p = options
        .listGroupMembers(groupId)
        .then(
          (list) => {
            const set = new Set(list);
            cache.set(groupId, { members: set, at: started });
            return set as ReadonlySet<string>;
          },
          (err) => {
            options.onLookupError?.(groupId, err);
            return undefined;
          },
        )
        .finally(() => inflight.delete(groupId));
      inflight.set(groupId, p);
    }
    return p;
  };

  const groupsOf = async (user: string) => {
    const groups: string[] = [];
    const unknown: string[] = [];
    await Promise.all(
      policy.groups.map(async (g) => {
        const m = await members(g);
        if (!m) unknown.push(g);
        else if (m.has(user)) groups.push(g);
      }),
    );
    return { groups: groups.sort(), unknown: unknown.sort() };
  };

  const names = new Map<string, string>();
  const withName = async (channel: ChannelFacts): Promise<ChannelFacts> => {
    if (channel.name || !policy.channelNames || !options.channelName || !channel.id) return channel;
    let name = names.get(channel.id);
    if (name === undefined) {
      try {
        name = await options.channelName(channel.id);
      } catch (err) {
        options.onLookupError?.(`channel ${channel.id}`, err);
      }
      // Channel renames are rare; a stale name only matters until the process restarts.
      if (name !== undefined) names.set(channel.id, name);
    }
    return name === undefined ? channel : { ...channel, name };
  };

  const guard: Guard = {
    policy,
    async access(user, channel) {
      const [{ groups, unknown }, ch] = await Promise.all([groupsOf(user), withName(channel)]);
      return accessFor(policy, user, groups, ch, unknown);
    },
    async check(input) {
      return (await guard.access(input.user, input.channel)).decide(input.action, input.devices);
    },
    forgetGroup(groupId) {
      cache.delete(groupId);
    },
    decideCached(input) {
      const groups = policy.groups.filter((g) => cache.get(g)?.members.has(input.user));
      const name = input.channel.name ?? names.get(input.channel.id);
      const channel = name ? { ...input.channel, name } : input.channel;
      return decide(
        { user: input.user, groups, action: input.action, devices: input.devices ?? [], channel },
        policy,
      );
    },
  };
  return guard;
}

/**
 * The change service's check (`(user, action, device names, channel) → ok | reason`) answered by
 * the policy. Device names are looked up for their site, role and tags.
 */
export function changeAuthorizer(
  guard: Guard,
  device: (name: string) => DeviceFacts | undefined,
): (
  user: string,
  action: string,
  devices: readonly string[],
  channel: string,
) => { ok: true } | { ok: false; reason: string } {
  return (user, action, devices, channel) => {
    if (!isAction(action)) return { ok: false, reason: `\`${action}\` is not an action the policy knows` };
    const d = guard.decideCached({
      user,
      action,
      devices: devices.map((n) => device(n) ?? { name: n }),
      channel: { id: channel },
    });
    return d.allow ? { ok: true } : { ok: false, reason: `${d.reason} ${d.hint}` };
  };
}
