import { describe, expect, it } from 'vitest';
import { parseSyslog, recogniseConfigChange } from '../../../src/configs/syslog/index.js';

const recognise = (line: string) => {
  const m = parseSyslog(line);
  return m ? recogniseConfigChange(m) : undefined;
};

describe('parseSyslog', () => {
  it('RFC 5424 with structured data (Junos)', () => {
    const m = parseSyslog(
      '<189>1 2026-11-25T10:00:00.123Z edge1 mgd 4242 UI_COMMIT [junos@2636.1.1.1.2.18 username="jdoe" command="commit"] User \'jdoe\' requested \'commit\' operation (comment: none)',
    );
    expect(m).toMatchObject({ facility: 23, severity: 5, hostname: 'edge1', app: 'mgd', msgId: 'UI_COMMIT' });
    expect(m?.structured).toContain('username="jdoe"');
    expect(m?.message).toBe("User 'jdoe' requested 'commit' operation (comment: none)");
  });

  it('RFC 3164 BSD form with tag[pid]', () => {
    expect(
      parseSyslog('<189>Nov 25 10:00:00 edge1 mgd[4242]: UI_COMMIT_COMPLETED: commit complete'),
    ).toMatchObject({
      hostname: 'edge1',
      app: 'mgd',
      message: 'UI_COMMIT_COMPLETED: commit complete',
    });
    expect(
      parseSyslog(
        '<189>Nov  5 10:00:00 spine1 ConfigAgent: %SYS-5-CONFIG_I: Configured from console by admin on vty3 (10.0.0.5)',
      ),
    ).toMatchObject({
      hostname: 'spine1',
      app: 'ConfigAgent',
    });
  });

  it('Cisco forms: sequence numbers, no hostname or origin-id hostname', () => {
    const bare = parseSyslog(
      '<189>123: *Nov 25 10:00:00.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)',
    );
    expect(bare?.hostname).toBeUndefined();
    expect(bare?.message).toMatch(/^%SYS-5-CONFIG_I/);
    const named = parseSyslog(
      '<189>45: core1: Nov 25 10:00:00 UTC: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)',
    );
    expect(named?.hostname).toBe('core1');
    expect(named?.message).toMatch(/^%SYS-5-CONFIG_I/);
  });

  it('rejects what is not syslog', () => {
    expect(parseSyslog('hello')).toBeUndefined();
    expect(parseSyslog('<999>x')).toBeUndefined();
  });
});

describe('recogniseConfigChange', () => {
  it.each([
    [
      '<189>123: *Nov 25 10:00:00.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)',
      'SYS-5-CONFIG_I',
      'admin',
      '10.0.0.5',
    ],
    [
      '<189>12: core1: %SYS-5-CONFIG_I: Configured from console by console',
      'SYS-5-CONFIG_I',
      undefined,
      undefined,
    ],
    [
      '<189>Nov 25 10:00:00 spine1 ConfigAgent: %SYS-5-CONFIG_E: Enter configuration mode from console by admin on vty5 (10.1.1.1)',
      'SYS-5-CONFIG_E',
      'admin',
      '10.1.1.1',
    ],
    [
      '<189>Nov 25 10:00:00 spine1 ConfigAgent: %SYS-5-CONFIG_SESSION_COMMIT_SUCCESS: User bob committed configuration session s1 successfully from vty5 (10.1.1.2)',
      'SYS-5-CONFIG_SESSION_COMMIT_SUCCESS',
      'bob',
      '10.1.1.2',
    ],
    [
      "<189>Nov 25 10:00:00 edge1 mgd[4242]: UI_COMMIT: User 'jdoe' requested 'commit' operation (comment: none)",
      'UI_COMMIT',
      'jdoe',
      undefined,
    ],
    [
      '<189>Nov 25 10:00:01 edge1 mgd[4242]: UI_COMMIT_COMPLETED: commit complete',
      'UI_COMMIT_COMPLETED',
      undefined,
      undefined,
    ],
    [
      '<189>1 2026-11-25T10:00:00Z edge1 mgd 1 UI_COMMIT_COMPLETED [junos@2636.1.1.1.2.18 username="jdoe"] commit complete',
      'UI_COMMIT_COMPLETED',
      'jdoe',
      undefined,
    ],
    [
      '<189>2026 Nov 25 10:00:00 leaf1 %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on 10.0.0.7@pts/0',
      'VSHD-5-VSHD_SYSLOG_CONFIG_I',
      'admin',
      '10.0.0.7@pts/0',
    ],
    [
      '<189>77: core1: %PARSER-5-CFGLOG_LOGGEDCMD: User:alice  logged command:interface Gi1',
      'PARSER-5-CFGLOG_LOGGEDCMD',
      'alice',
      undefined,
    ],
  ])('%s', (line, kind, user, from) => {
    const e = recognise(line);
    expect(e?.kind).toBe(kind);
    expect(e?.user).toBe(user);
    expect(e?.from).toBe(from);
  });

  it('ignores other messages', () => {
    expect(
      recognise('<187>1: %LINK-3-UPDOWN: Interface GigabitEthernet1, changed state to down'),
    ).toBeUndefined();
    expect(recognise('<189>Nov 25 10:00:00 edge1 sshd[1]: Accepted password for jdoe')).toBeUndefined();
  });
});
