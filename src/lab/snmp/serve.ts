/**
 * Runs a simulated SNMP fleet in its own process (so agents and poller each get a core):
 * `fork('src/lab/snmp/serve.ts', { execArgv: ['--import', 'tsx'] })`, send
 * `{ devices, seed, community }`, receive `{ endpoints: { name: { host, port } } }`; a 'stats'
 * message answers with request counts; disconnecting stops the fleet.
 */
import { type SimDeviceSpec, startSnmpLab } from './agent.js';

interface StartMessage {
  devices: SimDeviceSpec[];
  seed?: number;
  community?: string;
  host?: string;
}

if (process.send) {
  let lab: Awaited<ReturnType<typeof startSnmpLab>> | undefined;
  process.on('message', async (msg: StartMessage | 'stats') => {
    if (msg === 'stats') {
      process.send?.({ stats: lab?.stats() });
      return;
    }
    lab = await startSnmpLab({
      devices: msg.devices,
      seed: msg.seed,
      community: msg.community,
      host: msg.host,
    });
    const endpoints = Object.fromEntries(msg.devices.map((d) => [d.name, lab!.endpoint(d.name)]));
    process.send?.({ endpoints });
  });
  process.on('disconnect', () => {
    void lab?.close().finally(() => process.exit(0));
  });
}
