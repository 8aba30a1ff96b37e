// The backend signs every notification (Standard Webhooks): webhook-signature = "v1,<base64 HMAC-SHA256 of
// '{webhook-id}.{webhook-timestamp}.{raw body}'>" keyed with the base64 part of the notify secret (whsec_...).
// Needs NODE_FUNCTION_ALLOW_BUILTIN=crypto in n8n's environment (installers/n8n/README.md).
const crypto = require('crypto');
const secret = String($('Config').first().json.notify_secret || '');
if (!secret.startsWith('whsec_')) {
  throw new Error('Config.notify_secret is not set: put the backend\'s whsec_ notify secret there (or OMNI_WEBHOOK_SECRET in n8n\'s environment)');
}
const headers = $input.first().json.headers || {};
const id = headers['webhook-id'];
const stamp = headers['webhook-timestamp'];
const signatures = String(headers['webhook-signature'] || '');
if (!id || !stamp || !signatures) {
  throw new Error('the training notification has no webhook-id/-timestamp/-signature headers (or the wait timed out)');
}
if (Math.abs(Date.now() / 1000 - Number(stamp)) > 300) {
  throw new Error(`the training notification is stamped ${stamp}, more than 5 minutes from now: refused as a replay`);
}
const raw = await this.helpers.getBinaryDataBuffer(0, 'data');
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
const expected = Buffer.from(crypto.createHmac('sha256', key).update(`${id}.${stamp}.`).update(raw).digest('base64'));
const valid = signatures.split(' ').some((entry) => {
  const [version, value] = entry.split(',');
  const given = Buffer.from(value || '');
  return version === 'v1' && given.length === expected.length && crypto.timingSafeEqual(given, expected);
});
if (!valid) {
  throw new Error('the training notification\'s signature does not match: wrong notify_secret, or not sent by the backend');
}
const event = JSON.parse(raw.toString('utf8'));
return [{ json: { event_type: event.type, event_id: id, event } }];
