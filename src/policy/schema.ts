import { z } from 'zod';
import { ACTION_NAMES, type Action, isAction } from './actions.js';

const actionName = z.string().refine((a) => a === '*' || isAction(a), {
  message: `an action: one of ${ACTION_NAMES.filter((a) => a !== 'public').join(', ')}, or *`,
});

const oneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (typeof v === 'string' ? [v] : v));

/** Devices a rule covers: each key given must match (site AND role …); values within a key are alternatives. */
export const deviceScopeSchema = z
  .object({
    site: oneOrMany.optional(),
    role: oneOrMany.optional(),
    tag: oneOrMany.optional(),
    /** Name globs (`core*`, `leaf?-fra`). */
    name: oneOrMany.optional(),
  })
  .strict();

const channelRef = z.string().regex(/^(?:[CGD][A-Z0-9]{2,}|#[\w.-]+)$/, 'a channel id (C0123…) or #name');
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U0123ABCD');
const groupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S0123ABCD');

export const roleSchema = z
  .object({
    /** Another role whose actions this one includes (one level; built-ins or user-defined). */
    inherits: z.string().optional(),
    actions: z.array(actionName).default([]),
    devices: deviceScopeSchema.optional(),
    channels: z.array(channelRef).optional(),
    description: z.string().optional(),
  })
  .strict();

export const grantSchema = z
  .object({
    role: z.string().min(1),
    users: z.array(userId).default([]),
    groups: z.array(groupId).default([]),
    /** Narrows the role's device scope for this grant. */
    devices: deviceScopeSchema.optional(),
    /** Narrows the role's channels for this grant. */
    channels: z.array(channelRef).optional(),
  })
  .strict()
  .refine((g) => g.users.length + g.groups.length > 0, {
    message: 'a grant names at least one user (users: [U…]) or user group (groups: [S…])',
  });

export const policySchema = z
  .object({
    roles: z
      .record(
        z.string().regex(/^[a-z][\w.-]*$/, 'a role name: lower-case letters, digits, . _ -'),
        roleSchema,
      )
      .default({}),
    grants: z.array(grantSchema).default([]),
    /** How long a user group's membership is trusted before usergroups.users.list is asked again. */
    groupCacheSeconds: z.number().int().min(0).max(86_400).default(300),
  })
  .strict()
  .superRefine((p, ctx) => {
    const known = new Set([...Object.keys(BUILTIN_ROLES), ...Object.keys(p.roles)]);
    p.grants.forEach((g, i) => {
      if (!known.has(g.role)) {
        ctx.addIssue({
          code: 'custom',
          path: ['grants', i, 'role'],
          message: `unknown role "${g.role}": one of ${[...known].join(', ')}`,
        });
      }
    });
    for (const [name, r] of Object.entries(p.roles)) {
      if (r.inherits && !known.has(r.inherits))
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name, 'inherits'],
          message: `unknown role "${r.inherits}"`,
        });
      if (r.inherits === name)
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name, 'inherits'],
          message: 'a role cannot inherit itself',
        });
    }
  });

export type DeviceScope = z.infer<typeof deviceScopeSchema>;
export type RoleConfig = z.infer<typeof roleSchema>;
export type GrantConfig = z.infer<typeof grantSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;

/** The built-in roles. A `policy.roles` entry of the same name replaces one. */
export const BUILTIN_ROLES: Readonly<
  Record<string, { actions: readonly (Action | '*')[]; description: string }>
> = {
  viewer: {
    actions: ['read', 'show'],
    description: 'read the inventory, configs and charts; run show commands',
  },
  operator: {
    actions: ['read', 'show', 'backup', 'discover', 'incident.ack', 'inventory.add', 'change.request'],
    description: 'viewer, plus backups, discovery, adding devices, incidents and change requests',
  },
  approver: {
    actions: [
      'read',
      'show',
      'backup',
      'discover',
      'incident.ack',
      'inventory.add',
      'change.request',
      'change.approve',
      'audit',
    ],
    description: 'operator, plus approving changes and reading the audit log',
  },
  admin: { actions: ['*'], description: 'everything' },
};
