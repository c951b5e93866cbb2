// CAPTCHA challenges and presence as the DynamoDB store keeps them: a conditional delete answers a challenge once.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CAPTCHA_ALPHABET,
  CAPTCHA_CODE_LENGTH,
  type CaptchaChallenge,
  issueCaptcha,
  normaliseCaptchaAnswer,
} from '../../functions/domain/captcha.ts';
import { captchaView } from '../../functions/public/captcha-image.ts';
import { CATALOGUES } from '../../functions/public/i18n/index.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { keys, TABLE_KEYS } from '../../functions/store/records.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { NOW, scriptedRandom } from './public-harness.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamoMock = mockClient(documents);
const store = new DynamoCallNowStore(documents, 'table');
afterEach(() => dynamoMock.reset());

const challenge: CaptchaChallenge = {
  challengeId: 'challenge-00000001',
  callNowId: 'demo',
  answers: ['k4pxa', '7'],
  expiresAt: '2026-11-26T10:05:00.000Z',
};

describe('CAPTCHA challenges', () => {
  it('ignore case, spaces and full-width forms in an answer', () => {
    expect(normaliseCaptchaAnswer(' K4p Xa ')).toBe('k4pxa');
    expect(normaliseCaptchaAnswer('１２')).toBe('12');
  });

  it('draw unambiguous characters in mixed case from the random source, and ask a sum of two digits', async () => {
    const memory = new MemoryStore();
    const values = [3, 1, 20, 0, 7, 1, 0, 0, 12, 1, 9, 4];
    const puzzle = await issueCaptcha('demo', {
      store: memory,
      clock: { now: () => NOW },
      random: { integer: () => values.shift() ?? 0, id: () => 'challenge-abcdefgh' },
    });
    expect(puzzle.code).toHaveLength(CAPTCHA_CODE_LENGTH);
    expect(puzzle.code.toLowerCase()).toMatch(new RegExp(`^[${CAPTCHA_ALPHABET}]+$`));
    expect(puzzle.code).toBe('E8KaT');
    expect(puzzle.question).toEqual({ left: 9, right: 4 });
    expect(memory.captchas.get('challenge-abcdefgh')?.answers).toEqual(['e8kat', '13']);
  });

  it('render as an SVG data URL with the question in words, in the page language', async () => {
    const puzzle = await issueCaptcha('demo', {
      store: new MemoryStore(),
      clock: { now: () => NOW },
      random: scriptedRandom(),
    });
    const view = captchaView(puzzle, CATALOGUES.de);
    expect(view.image).toMatch(/^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/);
    const svg = Buffer.from(view.image.replace('data:image/svg+xml;base64,', ''), 'base64').toString();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="200" height="64"/);
    // The characters are drawn, never written as text.
    expect(svg).not.toMatch(/AAAAA|<text/i);
    expect(svg.match(/<g /g)).toHaveLength(puzzle.code.length);
    expect(view.question).toBe(
      'Oder beantworten Sie diese Frage: Was ist eins plus eins? Geben Sie die Antwort in Ziffern ein.',
    );
  });
});

describe('DynamoCallNowStore', () => {
  it('writes a challenge once, with its expiry as the TTL', async () => {
    dynamoMock.on(PutCommand).resolves({});
    await store.putCaptchaChallenge(challenge);
    expect(dynamoMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'table',
      Item: {
        ...keys.captcha('challenge-00000001'),
        ...challenge,
        [TABLE_KEYS.timeToLiveAttribute]: Date.parse(challenge.expiresAt) / 1000,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('takes a challenge with one conditional delete that returns it, so only one caller ever gets it', async () => {
    dynamoMock
      .on(DeleteCommand)
      .resolvesOnce({ Attributes: { ...keys.captcha(challenge.challengeId), ...challenge, ttl: 1 } })
      .rejects(new ConditionalCheckFailedException({ message: 'gone', $metadata: {} }));
    expect(await store.takeCaptchaChallenge(challenge.challengeId)).toEqual(challenge);
    expect(await store.takeCaptchaChallenge(challenge.challengeId)).toBeUndefined();
    expect(dynamoMock.commandCalls(DeleteCommand)[0]?.args[0].input).toEqual({
      TableName: 'table',
      Key: keys.captcha(challenge.challengeId),
      ConditionExpression: 'attribute_exists(pk)',
      ReturnValues: 'ALL_OLD',
    });
  });

  it("reads an extension's presence by site and number", async () => {
    const presence = { siteId: 'hq', extension: '101', state: 'in_use', at: NOW.toISOString() } as const;
    dynamoMock.on(GetCommand).resolves({});
    dynamoMock.on(GetCommand, { Key: keys.presence('hq', '101') }).resolves({
      Item: { ...keys.presence('hq', '101'), ...presence },
    });
    expect(await store.getExtensionPresence('hq', '101')).toEqual(presence);
    expect(await store.getExtensionPresence('hq', '102')).toBeUndefined();
  });
});
