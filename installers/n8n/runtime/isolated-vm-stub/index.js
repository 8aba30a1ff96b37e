// n8n 1.123.66+ lists isolated-vm 6 (Node 22+ only) for its "vm" expression engine, the default from 1.123.8x.
// On Node 20 run n8n with N8N_EXPRESSION_ENGINE=legacy, the engine every earlier 1.123 used; this stub lets the
// pinned n8n install on Node 20 and says why if anything loads it.
throw new Error(
  "isolated-vm is not installed (it needs Node 22+): run n8n with N8N_EXPRESSION_ENGINE=legacy on Node 20",
);
