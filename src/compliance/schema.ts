import { z } from 'zod';
import { deviceScopeSchema } from '../policy/schema.js';

export const RULE_KINDS = ['present', 'absent', 'section'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** What a rule checks on one vendor: written in that vendor's own config syntax. */
const variantSchema = z
  .object({
    /** present/absent: the lines (a block, indented or Junos braces); section: the intended section. */
    lines: z.string().min(1).optional(),
    /** absent: regular expressions no config line may match (anywhere in the hierarchy). */
    patterns: z.array(z.string().min(1).max(256)).optional(),
    /** section: a regular expression selecting the section's lines (with their blocks) in the config. */
    match: z.string().min(1).max(256).optional(),
  })
  .strict();

export const complianceRuleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][\w.-]*$/i, 'a rule name: letters, digits, . _ -'),
    description: z.string().optional(),
    kind: z.enum(RULE_KINDS),
    /** Devices the rule applies to (site, role, tag, name globs); absent: every device. */
    scope: deviceScopeSchema.optional(),
    /** present/section: lines must appear in this order (ACLs, route-maps); default any order. */
    ordered: z.boolean().default(false),
    ...variantSchema.shape,
    /** Per-vendor syntax (keys checked against the vendor list in config.ts); a vendor not listed uses the rule's own lines, or the rule skips it. */
    vendors: z.record(z.string(), variantSchema).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const variants = [r, ...Object.values(r.vendors ?? {})];
    for (const v of variants) {
      if (r.kind === 'present' && !v.lines && v !== r)
        ctx.addIssue({
          code: 'custom',
          message: `present rule "${r.name}": each vendor variant needs lines`,
        });
      if (r.kind === 'section' && v.lines && !v.match && !r.match)
        ctx.addIssue({
          code: 'custom',
          message: `section rule "${r.name}" needs match (the regex selecting the section)`,
        });
    }
    if (!r.lines && !r.patterns && !r.vendors)
      ctx.addIssue({ code: 'custom', message: `rule "${r.name}" needs lines, patterns or vendors` });
    for (const v of variants)
      for (const p of [...(v.patterns ?? []), ...(v.match ? [v.match] : [])]) {
        try {
          new RegExp(p);
        } catch (e) {
          ctx.addIssue({
            code: 'custom',
            message: `rule "${r.name}": bad regular expression ${p}: ${(e as Error).message}`,
          });
        }
      }
  });

export const complianceSchema = z
  .object({
    /** Variables per site for templates: `{{site.ntp}}` reads compliance.sites.<device site>.ntp. */
    sites: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Variables for every device: `{{vars.domain}}`. */
    vars: z.record(z.string(), z.unknown()).default({}),
    rules: z.array(complianceRuleSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.rules.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate rule name "${r.name}"`,
        });
      seen.add(r.name);
    });
  });

export type ComplianceRule = z.infer<typeof complianceRuleSchema>;
export type ComplianceConfig = z.infer<typeof complianceSchema>;
