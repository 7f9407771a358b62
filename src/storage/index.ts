export { createPool, dbError, quoteIdent, type Pool, type PoolOptions } from './pool.js';
export { migrate, loadMigrations, MIGRATIONS_DIR, type MigrateResult } from './migrate.js';
export { auditSafe, createAuditLog, type AuditLog, type AuditRecord } from './audit.js';
export { createDurableAudit, type DurableAudit } from './audit-spool.js';
export { withTransaction, type TransactionOptions } from './tx.js';
