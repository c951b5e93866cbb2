// The connector's /metrics text: what a Prometheus server scrapes, its own series beside the process's.
import { describe, expect, it } from 'vitest';
import { ConnectorMetrics, counterValue } from '../../edge-connector/src/metrics.ts';

describe('ConnectorMetrics', () => {
  it('writes every series with HELP and TYPE, the unlabelled counters at zero before anything happened', async () => {
    const metrics = new ConnectorMetrics(() => ({ callsInProgress: 0, amiReady: false }));

    const text = await metrics.render();

    for (const name of [
      'callnow_connector_messages_received_total',
      'callnow_connector_originates_total',
      'callnow_connector_final_status_total',
      'callnow_connector_ami_reconnects_total',
      'callnow_connector_sqs_errors_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter\n`);
    }
    expect(text).toContain('callnow_connector_ami_reconnects_total 0\n');
    expect(text).toContain('callnow_connector_ami_ready 0\n');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("carries the process's own metrics: resident memory, heap, event-loop lag, handles", async () => {
    const text = await new ConnectorMetrics(() => ({ callsInProgress: 0, amiReady: true })).render();

    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_active_handles_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts final statuses by status and reason, and escapes label values', async () => {
    const metrics = new ConnectorMetrics(() => ({ callsInProgress: 3, amiReady: true }), {
      processMetrics: false,
    });

    metrics.finalStatuses.inc({ status: 'failed', reason: 'visitor_busy' });
    metrics.finalStatuses.inc({ status: 'failed', reason: 'visitor_busy' });
    metrics.finalStatuses.inc({ status: 'completed' });
    metrics.sqsErrors.inc({ operation: 'we"ird\\\n' });
    const text = await metrics.render();

    expect(text).toContain('callnow_connector_final_status_total{status="failed",reason="visitor_busy"} 2\n');
    expect(text).toContain('callnow_connector_final_status_total{status="completed"} 1\n');
    expect(text).toContain('callnow_connector_sqs_errors_total{operation="we\\"ird\\\\\\n"} 1\n');
    expect(text).toContain('callnow_connector_calls_in_progress 3\n');
    expect(text).toContain('callnow_connector_ami_ready 1\n');
    expect(await counterValue(metrics.finalStatuses, { status: 'failed' })).toBe(2);
    expect(await counterValue(metrics.finalStatuses)).toBe(3);
  });

  it('keeps the call-setup histogram cumulative, with its sum and count', async () => {
    const metrics = new ConnectorMetrics(() => ({ callsInProgress: 0, amiReady: true }), {
      processMetrics: false,
    });

    metrics.callSetupSeconds.observe(0.004);
    metrics.callSetupSeconds.observe(0.03);
    metrics.callSetupSeconds.observe(20);
    const text = await metrics.render();

    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="0.005"} 1\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="0.05"} 2\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="10"} 2\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_count 3\n');
    expect(text).toMatch(/callnow_connector_call_setup_seconds_sum 20\.03\d*\n/);
  });
});
