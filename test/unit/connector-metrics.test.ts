// The connector's /metrics text: what a Prometheus server scrapes.
import { describe, expect, it } from 'vitest';
import { ConnectorMetrics } from '../../edge-connector/src/metrics.ts';

describe('ConnectorMetrics', () => {
  it('writes every counter with HELP and TYPE, zero before anything happened', () => {
    const metrics = new ConnectorMetrics(() => ({ callsInProgress: 0, amiReady: false }));

    const text = metrics.render();

    for (const name of [
      'callnow_connector_messages_received_total',
      'callnow_connector_originates_total',
      'callnow_connector_final_status_total',
      'callnow_connector_ami_reconnects_total',
      'callnow_connector_sqs_errors_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter\n${name} 0\n`);
    }
    expect(text).toContain('callnow_connector_ami_ready 0\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('counts final statuses by status and reason, and escapes label values', () => {
    const metrics = new ConnectorMetrics(() => ({ callsInProgress: 3, amiReady: true }));

    metrics.finalStatuses.inc({ status: 'failed', reason: 'visitor_busy' });
    metrics.finalStatuses.inc({ status: 'failed', reason: 'visitor_busy' });
    metrics.finalStatuses.inc({ status: 'completed' });
    metrics.sqsErrors.inc({ operation: 'we"ird\\\n' });
    const text = metrics.render();

    expect(text).toContain('callnow_connector_final_status_total{status="failed",reason="visitor_busy"} 2\n');
    expect(text).toContain('callnow_connector_final_status_total{status="completed"} 1\n');
    expect(text).toContain('callnow_connector_sqs_errors_total{operation="we\\"ird\\\\\\n"} 1\n');
    expect(text).toContain('callnow_connector_calls_in_progress 3\n');
    expect(text).toContain('callnow_connector_ami_ready 1\n');
  });

  it('keeps the call-setup histogram cumulative, with its sum and count', () => {
    const metrics = new ConnectorMetrics(() => ({ callsInProgress: 0, amiReady: true }));

    metrics.callSetupSeconds.observe(0.004);
    metrics.callSetupSeconds.observe(0.03);
    metrics.callSetupSeconds.observe(20);
    const text = metrics.render();

    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="0.005"} 1\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="0.05"} 2\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="10"} 2\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('callnow_connector_call_setup_seconds_count 3\n');
    expect(text).toMatch(/callnow_connector_call_setup_seconds_sum 20\.03\d*\n/);
  });
});
