import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileHostKeyStore } from '../../../src/devices/host-keys.js';

describe('fileHostKeyStore', () => {
  it('remembers keys across instances (a worker restart)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hk-')), 'sub', 'known-hosts.json');
    const a = fileHostKeyStore(path);
    expect(a.get('core1')).toBeUndefined();
    a.set('core1', 'SHA256:abc');
    a.set('edge1', 'SHA256:def');
    const b = fileHostKeyStore(path);
    expect(b.get('core1')).toBe('SHA256:abc');
    expect(b.get('edge1')).toBe('SHA256:def');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ core1: 'SHA256:abc', edge1: 'SHA256:def' });
  });
});
