import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * Installs this process's Temporal Core runtime, with the SDK's logs at WARN and, given an
 * address, Core's Prometheus exporter serving the SDK's own metrics (polls, task latencies, slots)
 * on `http://<address>/metrics`. Core takes these options once per process, so this must run
 * before the first NativeConnection or Worker, which would otherwise install a default runtime.
 */
/**
 * For scripts and tests that print what they measure: the SDK's and Core's own logs at ERROR, so
 * stdout carries only their output (Core otherwise warns about the test server's capabilities).
 */
export function installQuietTemporalRuntime(): void {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
}

export function installTemporalRuntime(options: { metricsAddress: string | undefined }): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      ...(options.metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress } } } } : {}),
    });
  } catch (error) {
    // Core's message names the socket error but not the setting that chose the port.
    if (!options.metricsAddress) throw error;
    throw new Error(`${(error as Error).message} on ${options.metricsAddress}; set REVLOOP_SDK_METRICS_PORT to a free port, or 0 to turn the exporter off`, { cause: error });
  }
}
