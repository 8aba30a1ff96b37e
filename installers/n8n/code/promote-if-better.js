// Promote the new version when there is no current layer 2 model, or when its validation PSNR beats the
// current one's by at least Config.min_psnr_gain dB (CompareModels: change = new - current).
const config = $('Config').first().json;
const version = $('Get training job').first().json.outputs.model_version;
const models = $('Current layer 2 model').first().json.models || [];
const current = models.find((m) => m.current && m.version !== version);
let promote;
let reason;
let psnrChange = null;
if (!current) {
  promote = true;
  reason = 'there is no current layer 2 model yet';
} else {
  const metrics = $('Compare with current').first().json.metrics || [];
  const psnr = metrics.find((m) => m.name === 'psnr');
  psnrChange = psnr && typeof psnr.change === 'number' ? psnr.change : null;
  const gain = Number(config.min_psnr_gain);
  promote = psnrChange !== null && psnrChange >= gain;
  reason = psnrChange === null
    ? `no PSNR to compare with ${current.version}`
    : `PSNR ${psnrChange >= 0 ? '+' : ''}${psnrChange.toFixed(3)} dB vs ${current.version} (promotion needs +${gain} dB)`;
}
return [{ json: { version, current: current ? current.version : '', promote, reason, psnr_change: psnrChange } }];
