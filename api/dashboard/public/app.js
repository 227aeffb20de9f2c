// Revloop's dashboard: plain browser JavaScript, no build step. It reads the /v1 API with the API
// key the owner signs in with (kept in sessionStorage: this tab only) and draws with ECharts, served
// by the API process itself; playbook diagrams are SVG pictures the API renders.

const view = document.getElementById('view');
const session = {
  get key() {
    return sessionStorage.getItem('revloop.key');
  },
  set key(value) {
    if (value) sessionStorage.setItem('revloop.key', value);
    else sessionStorage.removeItem('revloop.key');
  },
  get days() {
    return Number(sessionStorage.getItem('revloop.days') ?? '30');
  },
  set days(value) {
    sessionStorage.setItem('revloop.days', String(value));
  },
};
const charts = new Set();

// ── talking to the API ─────────────────────────────────────────────────────────────────────────

class SignedOut extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${session.key}`, Accept: 'application/json' } });
  if (response.status === 401 || response.status === 403) {
    const problem = await response.json().catch(() => ({}));
    throw new SignedOut(problem.detail ?? 'This key cannot read this tenant.');
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail ?? `${path} answered ${response.status}`);
  }
  return response.json();
}

/** A non-JSON answer (an SVG picture) as a Blob, with the same sign-in handling. */
async function apiBlob(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${session.key}` } });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.blob();
}

const period = () => `days=${session.days}`;

// ── formatting: exact money from minor units, times in a customer's zone ─────────────────────

const digitsOf = (currency) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;

/** Minor units to text without floating point: the digits are split, not divided. */
function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const digits = digitsOf(currency);
  const negative = amount < 0;
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const cents = digits ? `.${text.slice(text.length - digits)}` : '';
  const grouped = new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(BigInt(whole));
  return `${negative ? '−' : ''}${grouped}${cents}`;
}
/** For chart axes only: minor units as a number of major units. */
const major = (amount, currency) => amount / 10 ** digitsOf(currency);

const percent = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
function fromNow(iso) {
  const ms = Date.parse(iso) - Date.now();
  const abs = Math.abs(ms);
  if (abs < 3_600_000) return relative.format(Math.round(ms / 60_000), 'minute');
  if (abs < 86_400_000 * 2) return relative.format(Math.round(ms / 3_600_000), 'hour');
  return relative.format(Math.round(ms / 86_400_000), 'day');
}
const localTime = (iso, timeZone) => new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}

function table(caption, columns, rows) {
  return h(
    'table',
    {},
    h('caption', { class: 'muted' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.cell(r))))) : h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'Nothing yet.'))),
  );
}

/** A KPI: its value (a rate as a percentage, with "n of m" beneath), and the previous period's beside it. */
function tile(name, label, value, before, raw) {
  const rated = value && typeof value === 'object' && 'numerator' in value;
  return h(
    'div',
    { class: 'tile', 'data-kpi': name, 'data-value': raw ?? '' },
    h('h3', {}, label),
    h('div', { class: 'value' }, rated ? percent(value.rate) : value),
    rated ? h('div', { class: 'detail' }, `${value.numerator} of ${value.denominator}`) : null,
    h('div', { class: 'before' }, before === undefined ? '' : `before: ${before}`),
  );
}

/** A chart in SVG (so it scales and can be read back), described for screen readers. */
function chart(label, option) {
  const el = h('div', { class: 'chart', role: 'img', 'aria-label': label });
  requestAnimationFrame(() => {
    const instance = echarts.init(el, null, { renderer: 'svg' });
    instance.setOption({ aria: { enabled: true, label: { description: label } }, animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
    charts.add(instance);
  });
  return el;
}

function section(title, ...content) {
  return h('section', { 'aria-labelledby': `s-${title.replace(/\W+/g, '-')}` }, h('h2', { id: `s-${title.replace(/\W+/g, '-')}` }, title), ...content);
}

// ── pages ──────────────────────────────────────────────────────────────────────────────────────

const first = (list) => list?.[0];

async function overview() {
  const [kpis, leakage, attention] = await Promise.all([api(`/v1/metrics/kpis?${period()}&compare=previous`), api(`/v1/metrics/leakage?${period()}`), api('/v1/metrics/attention')]);
  const hs = kpis.homeService;
  const was = kpis.previous.homeService;
  const col = first(kpis.collections);
  const colWas = first(kpis.previous.collections);
  const rec = first(kpis.recoveredByRevloop);
  const recWas = first(kpis.previous.recoveredByRevloop);
  const rpc = first(hs.customers.revenuePerCustomer);
  const rpcWas = first(was.customers.revenuePerCustomer);
  const currency = rec?.currency ?? col?.currency ?? rpc?.currency ?? 'USD';
  const tiles = h(
    'div',
    { class: 'tiles' },
    tile('recoveredByRevloop', 'Recovered by Revloop', money(rec?.amount ?? 0, currency), money(recWas?.amount ?? 0, currency), rec?.amount ?? 0),
    tile('speedToLead', 'Speed to lead (median)', duration(hs.speedToLead.medianSeconds), duration(was.speedToLead.medianSeconds), hs.speedToLead.medianSeconds),
    tile('answeredWithin5Minutes', 'Leads answered within 5 min', hs.speedToLead.answeredWithin5Minutes, percent(was.speedToLead.answeredWithin5Minutes.rate), hs.speedToLead.answeredWithin5Minutes.rate),
    tile('textBackRate', 'Missed calls texted back', hs.textBackRate, percent(was.textBackRate.rate), hs.textBackRate.rate),
    tile('bookingRate', 'Booking rate', hs.bookingRate, percent(was.bookingRate.rate), hs.bookingRate.rate),
    tile('noShowRate', 'No-show rate', hs.noShowRate, percent(was.noShowRate.rate), hs.noShowRate.rate),
    tile('invoiceLatency', 'Job done → invoiced (median)', duration(hs.invoiceLatency.medianSeconds), duration(was.invoiceLatency.medianSeconds), hs.invoiceLatency.medianSeconds),
    tile('averageDaysToPay', 'Average days to pay', col?.averageDaysToPay ?? '—', colWas?.averageDaysToPay ?? '—', col?.averageDaysToPay),
    tile('dsoDays', 'DSO (days)', col?.dsoDays ?? '—', colWas?.dsoDays ?? '—', col?.dsoDays),
    tile('collectionRate', 'Collected ÷ billed', percent(col?.collectionRate), percent(colWas?.collectionRate), col?.collectionRate),
    tile('reviewRate', 'Review rate', hs.reviews.reviewRate, percent(was.reviews.reviewRate.rate), hs.reviews.reviewRate.rate),
    tile('revenuePerCustomer', 'Revenue per customer', rpc ? money(rpc.perCustomer, rpc.currency) : '—', rpcWas ? money(rpcWas.perCustomer, rpcWas.currency) : '—', rpc?.perCustomer),
    tile('collectedAfterReminder', 'Collected after a reminder', money(col?.collectedAfterReminder ?? 0, currency), money(colWas?.collectedAfterReminder ?? 0, currency), col?.collectedAfterReminder ?? 0),
    tile('writtenOff', 'Written off', money(col?.writtenOff.amount ?? 0, currency), money(colWas?.writtenOff.amount ?? 0, currency), col?.writtenOff.amount ?? 0),
  );
  const f = hs.funnel;
  const steps = [
    ['Leads', f.leads],
    ['Booked', f.booked],
    ['Done', f.done],
    ['Invoiced', f.invoiced],
    ['Paid', f.paid],
    ['Reviewed', f.reviewed],
    ['Returned', f.returned],
  ];
  const funnel = chart(`Leak funnel: ${steps.map(([n, v]) => `${n} ${v}`).join(', ')}`, {
    tooltip: {},
    xAxis: { type: 'category', data: steps.map(([n]) => n), axisLabel: { interval: 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', data: steps.map(([, v]) => v), itemStyle: { color: '#0b5cad' }, label: { show: true, position: 'top' } }],
  });
  const bySteps = rec?.bySteps ?? [];
  const recovered = chart(`Recovered by Revloop, by step: ${bySteps.map((s) => `${s.step} ${money(s.amount, currency)}`).join(', ') || 'nothing yet'}`, {
    tooltip: {},
    grid: { left: 140 },
    xAxis: { type: 'value', name: currency },
    yAxis: { type: 'category', data: bySteps.map((s) => s.step.replaceAll('_', ' ')) },
    series: [{ type: 'bar', data: bySteps.map((s) => major(s.amount, currency)), itemStyle: { color: '#116b3a' } }],
  });
  const leaks = first(leakage.totals);
  const attentionList = (title, part) =>
    h('div', { class: 'card attention' }, h('h3', {}, `${title}: ${part.count}`), h('ul', {}, part.items.map((i) => h('li', {}, h('a', { href: `#${i.links.subject.replace('/v1', '')}` }, i.subject.id), ` — ${i.summary}`))));
  return [
    h('h1', {}, 'Overview'),
    h('p', { class: 'muted' }, `${localTime(kpis.period.from, kpis.period.timezone)} to ${localTime(kpis.period.to, kpis.period.timezone)} (${kpis.period.timezone}), beside the ${session.days} days before.`),
    tiles,
    h('div', { class: 'grid2' }, section('Leak funnel', funnel), section('Recovered by Revloop', recovered)),
    section(
      'Leakage',
      h('p', {}, leaks ? `At stake ${money(leaks.atStake, leaks.currency)}: recovered ${money(leaks.recovered, leaks.currency)} (${money(leaks.recoveredByRevloop, leaks.currency)} by Revloop), lost ${money(leaks.lost, leaks.currency)}, still open ${money(leaks.open, leaks.currency)}.` : 'Nothing leaked in this period.'),
      table('By kind', [
        { label: 'Kind', cell: (k) => k.says },
        { label: 'Count', num: true, cell: (k) => k.count },
        { label: 'At stake', num: true, cell: (k) => `${money(k.atStake, k.currency)}${k.estimated ? ' (est.)' : ''}` },
        { label: 'Recovered', num: true, cell: (k) => money(k.recovered, k.currency) },
        { label: 'Lost', num: true, cell: (k) => money(k.lost, k.currency) },
        { label: 'Open', num: true, cell: (k) => money(k.open, k.currency) },
      ], leakage.kinds),
    ),
    section(
      'Needs a person today',
      h('div', { class: 'grid2' }, attentionList('Held invoices', attention.heldInvoices), attentionList('Service recoveries', attention.serviceRecoveries), attentionList('Approvals waiting', attention.approvalsWaiting), attentionList('Failed deliveries', attention.failedDeliveries)),
    ),
  ];
}

/** The last six calendar months, for trends: local days the server reads in the tenant's zone. */
function lastMonths(n) {
  const now = new Date();
  return Array.from({ length: n }, (_, i) => {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (n - 1 - i), 1));
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0));
    return { label: start.toISOString().slice(0, 7), from: start.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) };
  });
}

async function collections() {
  const months = lastMonths(6);
  const [kpis, leakage, ...trend] = await Promise.all([api(`/v1/metrics/kpis?${period()}`), api(`/v1/metrics/leakage?${period()}`), ...months.map((m) => api(`/v1/metrics/kpis?from=${m.from}&to=${m.to}`))]);
  const col = first(kpis.collections);
  const currency = col?.currency ?? 'USD';
  const aging = col?.aging ?? { current: 0, days1to30: 0, days31to60: 0, days61to90: 0, over90: 0 };
  const buckets = [
    ['Current', aging.current],
    ['1–30', aging.days1to30],
    ['31–60', aging.days31to60],
    ['61–90', aging.days61to90],
    ['90+', aging.over90],
  ];
  const dunning = leakage.kinds.filter((k) => k.kind === 'invoice_overdue' || k.kind === 'payment_failed');
  const steps = leakage.recoveredBy.filter((s) => ['reminder', 'final_notice', 'payment_retry'].includes(s.step));
  return [
    h('h1', {}, 'Collections'),
    h(
      'div',
      { class: 'tiles' },
      tile('billed', 'Billed', money(col?.billed ?? 0, currency)),
      tile('receivables', 'Receivables at the end', money(col?.receivables ?? 0, currency)),
      tile('dsoDays', 'DSO (days)', col?.dsoDays ?? '—'),
      tile('averageDaysToPay', 'Average days to pay', col?.averageDaysToPay ?? '—'),
      tile('collectedAfterReminder', 'Collected after a reminder', money(col?.collectedAfterReminder ?? 0, currency)),
      tile('writtenOff', 'Written off', `${money(col?.writtenOff.amount ?? 0, currency)} (${col?.writtenOff.count ?? 0})`),
    ),
    h(
      'div',
      { class: 'grid2' },
      section('Aging', chart(`Receivables by days past due: ${buckets.map(([n, v]) => `${n} ${money(v, currency)}`).join(', ')}`, { tooltip: {}, xAxis: { type: 'category', data: buckets.map(([n]) => n) }, yAxis: { type: 'value', name: currency }, series: [{ type: 'bar', data: buckets.map(([, v]) => major(v, currency)), itemStyle: { color: '#a3231a' } }] })),
      section('DSO trend', chart(`DSO by month: ${months.map((m, i) => `${m.label} ${first(trend[i].collections)?.dsoDays ?? 'none'}`).join(', ')}`, { tooltip: {}, xAxis: { type: 'category', data: months.map((m) => m.label) }, yAxis: { type: 'value', name: 'days' }, series: [{ type: 'line', data: months.map((_, i) => first(trend[i].collections)?.dsoDays ?? null), connectNulls: true }] })),
    ),
    section(
      'Dunning outcomes',
      table('Overdue invoices and failed payments in the period', [
        { label: 'Kind', cell: (k) => k.says },
        { label: 'Count', num: true, cell: (k) => k.count },
        { label: 'Recovered', num: true, cell: (k) => `${money(k.recovered, k.currency)} (${k.recoveredCount})` },
        { label: 'Lost', num: true, cell: (k) => `${money(k.lost, k.currency)} (${k.lostCount})` },
        { label: 'Open', num: true, cell: (k) => `${money(k.open, k.currency)} (${k.openCount})` },
      ], dunning),
      table('Won back by', [
        { label: 'Step', cell: (s) => s.step.replaceAll('_', ' ') },
        { label: 'Count', num: true, cell: (s) => s.count },
        { label: 'Amount', num: true, cell: (s) => money(s.amount, s.currency) },
      ], steps),
    ),
  ];
}

async function revenue() {
  const kpis = await api(`/v1/metrics/kpis?days=${Math.max(session.days, 365)}`);
  const sub = first(kpis.subscriptions);
  if (!sub) return [h('h1', {}, 'Revenue'), h('p', {}, 'No contracts yet.')];
  const c = sub.currency;
  const months = sub.months.map((m) => m.month);
  const m = (key, sign = 1) => sub.months.map((x) => sign * major(x[key], c));
  const qtc = kpis.quoteToCash;
  return [
    h('h1', {}, 'Revenue'),
    h(
      'div',
      { class: 'tiles' },
      tile('nrr', 'NRR', percent(sub.nrr.rate)),
      tile('grr', 'GRR', percent(sub.grr.rate)),
      tile('renewalRate', 'Renewal rate', sub.renewalRate),
      tile('upliftMrr', 'Renewal uplift (MRR)', money(sub.upliftMrr, c)),
      tile('firstTimeRight', 'First-time-right invoices', qtc.firstTimeRight),
      tile('quoteToCash', 'Quote to cash (median)', duration(qtc.quoteToCash.medianSeconds)),
      tile('approvalTime', 'Approval time (median)', duration(qtc.approvalTime.medianSeconds)),
      tile('mrr', 'MRR at the end', money(sub.months.at(-1)?.end ?? 0, c)),
    ),
    section(
      'MRR movements',
      chart(`MRR movements by month in ${c}`, {
        tooltip: { trigger: 'axis' },
        legend: {},
        xAxis: { type: 'category', data: months },
        yAxis: { type: 'value', name: c },
        series: [
          { name: 'new', type: 'bar', stack: 'm', data: m('new') },
          { name: 'expansion', type: 'bar', stack: 'm', data: m('expansion') },
          { name: 'reactivation', type: 'bar', stack: 'm', data: m('reactivation') },
          { name: 'contraction', type: 'bar', stack: 'm', data: m('contraction', -1) },
          { name: 'churn', type: 'bar', stack: 'm', data: m('churn', -1) },
          { name: 'MRR at month end', type: 'line', data: m('end') },
        ],
      }),
    ),
    section(
      'Bookings, billings and recognised revenue',
      chart(`Bookings, billings, recognised and deferred revenue by month in ${c}`, {
        tooltip: { trigger: 'axis' },
        legend: {},
        xAxis: { type: 'category', data: months },
        yAxis: { type: 'value', name: c },
        series: [
          { name: 'bookings (ARR)', type: 'line', data: m('bookings') },
          { name: 'billings', type: 'line', data: m('billings') },
          { name: 'recognised', type: 'line', data: m('recognised') },
          { name: 'deferred at month end', type: 'line', data: m('deferredAtEnd') },
        ],
      }),
    ),
  ];
}

function subjectList({ title, path, stages, columns, linkOf }) {
  return async function list() {
    const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
    const query = new URLSearchParams({ limit: '50' });
    if (params.get('q')) query.set('q', params.get('q'));
    if (params.get('stage')) query.set('stage', params.get('stage'));
    const page = await api(`${path}?${query}`);
    const search = h('input', { id: 'search', type: 'search', value: params.get('q') ?? '', placeholder: 'Name or id' });
    const stage = h('select', { id: 'stage' }, h('option', { value: '' }, 'Any stage'), stages.map((s) => h('option', { value: s, selected: params.get('stage') === s }, s)));
    const apply = (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      if (search.value.trim()) next.set('q', search.value.trim());
      if (stage.value) next.set('stage', stage.value);
      location.hash = `#/${title.toLowerCase()}${next.size ? `?${next}` : ''}`;
    };
    return [
      h('h1', {}, title),
      h('form', { class: 'filters', onsubmit: apply, role: 'search' }, h('label', { for: 'search' }, 'Search', search), h('label', { for: 'stage' }, 'Stage', stage), h('button', { type: 'submit' }, 'Show')),
      table(`${page.data.length} shown${page.next ? ' (more exist: narrow the search)' : ''}`, [{ label: 'Name', cell: (r) => h('a', { href: linkOf(r) }, columns.name(r)) }, ...columns.rest], page.data),
    ];
  };
}

const customerStages = ['inquiry', 'booking', 'job', 'invoice', 'collections', 'review', 'retention', 'reactivation', 'dormant', 'lost'];
const contractStages = ['pending_approval', 'approved', 'active', 'cancelling', 'churned', 'expired', 'rejected'];

const customers = subjectList({
  title: 'Customers',
  path: '/v1/customers',
  stages: customerStages,
  linkOf: (r) => `#/customers/${encodeURIComponent(r.id)}`,
  columns: {
    name: (r) => r.name,
    rest: [
      { label: 'Id', cell: (r) => r.id },
      { label: 'Stage', cell: (r) => r.stage },
      { label: 'Balance due', num: true, cell: (r) => money(r.balanceDue.amount, r.balanceDue.currency) },
      { label: 'Next action', cell: (r) => (r.nextActionAt ? `${localTime(r.nextActionAt, r.timezone)} (${fromNow(r.nextActionAt)})` : '—') },
    ],
  },
});

const contracts = subjectList({
  title: 'Contracts',
  path: '/v1/contracts',
  stages: contractStages,
  linkOf: (r) => `#/contracts/${encodeURIComponent(r.id)}`,
  columns: {
    name: (r) => r.customer.name,
    rest: [
      { label: 'Id', cell: (r) => r.id },
      { label: 'Stage', cell: (r) => r.stage },
      { label: 'MRR', num: true, cell: (r) => (r.mrr ? money(r.mrr.amount, r.mrr.currency) : '—') },
    ],
  },
});

/** "Waiting for …, in 2 days (Tue, Mar 3, 10:00 AM local)": the subject's next action in its own zone. */
function waiting(next, timeZone) {
  if (!next) return h('p', { class: 'waiting' }, 'Nothing scheduled.');
  return h('p', { class: 'waiting', 'data-waiting': next.dueAt }, `Waiting for ${next.summary}, ${fromNow(next.dueAt)} (${localTime(next.dueAt, timeZone)}, ${timeZone}).`);
}

async function customerPage(id) {
  const enc = encodeURIComponent(id);
  const [c, timeline, messages, invoices] = await Promise.all([api(`/v1/customers/${enc}`), api(`/v1/customers/${enc}/timeline?limit=200`), api(`/v1/customers/${enc}/messages?limit=200`), api(`/v1/customers/${enc}/invoices`)]);
  return [
    h('h1', {}, c.name),
    h('p', {}, `Stage `, h('strong', {}, c.stage), ` since ${localTime(c.stageSince, c.timezone)} · balance due ${money(c.balanceDue.amount, c.balanceDue.currency)} · `, h('a', { href: c.links.temporalUi, id: 'temporal-link', target: '_blank', rel: 'noopener' }, 'Open in the Temporal UI')),
    waiting(c.nextActions[0], c.timezone),
    section(
      'Timeline',
      table('Every event and action, oldest first', [
        { label: 'When', cell: (e) => localTime(e.occurredAt, c.timezone) },
        { label: 'What', cell: (e) => e.type },
        { label: 'Summary', cell: (e) => e.summary },
      ], timeline.data),
    ),
    section(
      'Messages',
      table('What Revloop sent', [
        { label: 'Sent', cell: (m) => localTime(m.sentAt, c.timezone) },
        { label: 'Kind', cell: (m) => m.kind },
        { label: 'Channel', cell: (m) => m.channel },
        { label: 'Status', cell: (m) => m.status },
        { label: 'Text', cell: (m) => m.body },
      ], messages.data),
    ),
    section('Invoices', invoiceTable(invoices.data, c.timezone)),
  ];
}

function invoiceTable(invoices, timeZone) {
  return table('Invoices and credit notes', [
    { label: 'Invoice', cell: (i) => i.id },
    { label: 'Issued', cell: (i) => localTime(i.issuedAt, timeZone) },
    { label: 'Status', cell: (i) => i.status },
    { label: 'Total', num: true, cell: (i) => money(i.total.amount, i.total.currency) },
    { label: 'Balance', num: true, cell: (i) => money(i.balance.amount, i.balance.currency) },
  ], invoices);
}

/** The prepaid wallet: what is left, and every grant with what it has left. */
function walletSection(wallet, currency) {
  if (!wallet) return null;
  const left = (g) => (g.kind === 'money' ? money(g.remaining, currency) : `${g.remaining} ${g.metric}`);
  return section(
    'Prepaid credit',
    h('p', { 'data-wallet-balance': String(wallet.balance.amount) }, `Balance ${money(wallet.balance.amount, currency)} (paid ${money(wallet.paid.amount, currency)}, free ${money(wallet.free.amount, currency)}${wallet.overdrawn.amount ? `, overdrawn ${money(wallet.overdrawn.amount, currency)}` : ''})`, ...Object.entries(wallet.units).map(([metric, q]) => ` · ${q} ${metric} prepaid`)),
    table('Grants, in the order they are used', [
      { label: 'Grant', cell: (g) => g.grantId },
      { label: 'Kind', cell: (g) => (g.kind === 'units' ? `units of ${g.metric}` : g.paid ? 'top-up' : 'free credit') },
      { label: 'Priority', num: true, cell: (g) => String(g.priority) },
      { label: 'Expires', cell: (g) => (g.expiresAt ? g.expiresAt.slice(0, 10) : 'never') },
      { label: 'Left', num: true, cell: left },
    ], wallet.grants),
  );
}

/** The next invoice as it stands, from the API's preview (drawn up by the code that will issue it). */
function upcomingSection(upcoming, zone) {
  if (!upcoming) return null;
  const cur = upcoming.total.currency;
  return section(
    'Upcoming invoice',
    h('p', { 'data-upcoming-total': String(upcoming.total.amount) }, `Issued ${localTime(upcoming.at, zone)} for ${money(upcoming.total.amount, cur)}`, upcoming.paidFromWallet.amount ? `, ${money(upcoming.paidFromWallet.amount, cur)} of it paid from prepaid credit` : '', upcoming.hold ? ` · would be held: ${upcoming.hold}` : ''),
    table('Lines so far', [
      { label: 'Line', cell: (l) => l.description },
      { label: 'Amount', num: true, cell: (l) => money(l.amount, cur) },
    ], upcoming.lines),
  );
}

async function contractPage(id) {
  const enc = encodeURIComponent(id);
  const [c, invoices, schedule] = await Promise.all([api(`/v1/contracts/${enc}`), api(`/v1/contracts/${enc}/invoices`), api(`/v1/contracts/${enc}/revenue-schedule`)]);
  // Asked only when an invoice is coming (409 otherwise).
  const upcoming = c.nextInvoiceAt && ['active', 'cancelling'].includes(c.stage) ? await api(`/v1/contracts/${enc}/upcoming-invoice`) : null;
  const zone = c.customer.timezone ?? 'UTC';
  const months = schedule.months ?? [];
  const cur = schedule.currency;
  return [
    h('h1', {}, `${c.customer.name} · ${c.id}`),
    h('p', {}, 'Stage ', h('strong', {}, c.stage), ` · MRR ${money(c.mrr.amount, c.mrr.currency)} · `, c.term ? `term ${c.term.start.slice(0, 10)} → ${c.term.end.slice(0, 10)} · ` : '', h('a', { href: c.links.temporalUi, id: 'temporal-link', target: '_blank', rel: 'noopener' }, 'Open in the Temporal UI')),
    waiting(c.nextActions[0], zone),
    section(
      'Revenue schedule',
      chart(`Recognised revenue and deferred balance by month in ${cur}`, {
        tooltip: { trigger: 'axis' },
        legend: {},
        xAxis: { type: 'category', data: months.map((m) => m.month) },
        yAxis: { type: 'value', name: cur },
        series: [
          { name: 'recognised', type: 'bar', data: months.map((m) => major(m.recognised.amount, cur)) },
          { name: 'deferred at month end', type: 'line', data: months.map((m) => major(m.deferredAtMonthEnd.amount, cur)) },
        ],
      }),
    ),
    upcomingSection(upcoming, zone),
    walletSection(c.wallet, c.currency),
    section('Invoices', invoiceTable(invoices.data, zone)),
  ].filter(Boolean);
}

async function playbooks() {
  const list = await api('/v1/playbooks');
  const items = list.data ?? list;
  const figures = [];
  for (const p of items) {
    // The API renders the SVG; shown as an image, so nothing in a tenant's playbook can run here.
    const svg = await apiBlob(`/v1/playbooks/${encodeURIComponent(p.id)}/diagram?format=svg`);
    const image = h('img', { src: URL.createObjectURL(svg), alt: `The ${p.name ?? p.id} lifecycle: stages, and the events and timers between them` });
    const holder = h('div', { class: 'diagram', 'data-playbook': p.id }, image);
    figures.push(h('figure', {}, h('figcaption', {}, h('strong', {}, p.name ?? p.id), ` · ${p.id} v${p.version} · ${p.kind}`), holder));
  }
  return [h('h1', {}, 'Playbooks'), h('p', { class: 'muted' }, 'Each lifecycle as its playbook sets it up: the stages, and the events and timers between them.'), ...figures];
}

// ── routing ────────────────────────────────────────────────────────────────────────────────────

const routes = [
  [/^#\/overview$/, overview],
  [/^#\/collections$/, collections],
  [/^#\/revenue$/, revenue],
  [/^#\/customers$/, customers],
  [/^#\/customers\/(.+)$/, (id) => customerPage(decodeURIComponent(id))],
  [/^#\/contracts$/, contracts],
  [/^#\/contracts\/(.+)$/, (id) => contractPage(decodeURIComponent(id))],
  [/^#\/playbooks$/, playbooks],
];

async function render() {
  for (const c of charts) c.dispose();
  charts.clear();
  const signedIn = Boolean(session.key);
  document.getElementById('sign-in').hidden = signedIn;
  for (const id of ['nav', 'sign-out', 'period-label']) document.getElementById(id).hidden = !signedIn;
  if (!signedIn) {
    view.replaceChildren();
    document.getElementById('key').focus();
    return;
  }
  const hash = location.hash || '#/overview';
  const path = hash.split('?')[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (path.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const match = routes.map(([re, page]) => [path.match(re), page]).find(([m]) => m);
  view.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  view.setAttribute('aria-busy', 'true');
  try {
    const content = match ? await match[1](...match[0].slice(1)) : [h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/overview' }, 'Back to the overview'))];
    view.replaceChildren(...content);
    document.title = `${content[0]?.textContent ?? 'Revloop'} · Revloop`;
  } catch (error) {
    if (error instanceof SignedOut) {
      session.key = null;
      document.getElementById('sign-in-error').textContent = error.message;
      return render();
    }
    view.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, error.message));
  } finally {
    view.removeAttribute('aria-busy');
  }
}

document.getElementById('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = document.getElementById('key').value.trim();
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  session.key = key;
  try {
    await api('/v1/metrics/leakage?days=1');
  } catch (e) {
    session.key = null;
    error.textContent = e instanceof SignedOut ? 'That key was not accepted.' : e.message;
    return;
  }
  document.getElementById('key').value = '';
  if (!location.hash) location.hash = '#/overview';
  else render();
});
document.getElementById('sign-out').addEventListener('click', () => {
  session.key = null;
  render();
});
const periodSelect = document.getElementById('period');
periodSelect.value = String(session.days);
periodSelect.addEventListener('change', () => {
  session.days = Number(periodSelect.value);
  render();
});
window.addEventListener('hashchange', render);
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
render();
