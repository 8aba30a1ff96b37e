// n8n 1.123 lists isolated-vm 6 (Node 22+ only) for its opt-in "vm" expression engine; the default
// ("legacy") engine never loads it. This stub lets the pinned n8n install on Node 20 and says why if loaded.
throw new Error(
  "isolated-vm is not installed: n8n's 'vm' expression engine needs Node 22+. Keep N8N_EXPRESSION_ENGINE unset (legacy).",
);
