// Writes docs/call-event.schema.json, the JSON Schema of the call events' `detail`, from the zod schema the functions
// publish and check with: `npx tsx scripts/call-event-schema.ts` after a change (a unit test says when it is due).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as z from '../contracts/zod.ts';
import {
  CALL_EVENT_SOURCE,
  CALL_EVENT_VERSION,
  CALL_STATUS_CHANGED,
  CallStatusChangedSchema,
} from '../functions/domain/call-notifications.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CALL_EVENT_SCHEMA_FILE = 'docs/call-event.schema.json';

export function renderCallEventSchema(): string {
  const { $schema, ...shape } = z.toJSONSchema(CallStatusChangedSchema, {
    target: 'draft-2020-12',
    override: ({ jsonSchema }) => {
      // `format` says it; zod's own regular expression would only be noise to a reader.
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
      // Fields are added within a version: a receiver that refused unknown ones would break on the next release.
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  const schema = {
    $schema,
    title: `${CALL_STATUS_CHANGED}, version ${CALL_EVENT_VERSION}`,
    description: `The detail of the EventBridge events with source "${CALL_EVENT_SOURCE}" and detail-type "${CALL_STATUS_CHANGED}", and the body of every webhook POST. See docs/call-events.md.`,
    ...shape,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  writeFileSync(path.join(repoRoot, CALL_EVENT_SCHEMA_FILE), renderCallEventSchema());
  execFileSync('npx', ['biome', 'format', '--write', CALL_EVENT_SCHEMA_FILE], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  console.log(`wrote ${CALL_EVENT_SCHEMA_FILE}`);
}
