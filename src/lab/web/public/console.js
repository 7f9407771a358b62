// The lab's web console: renders the emulated workspace and sends what a person does to
// /console/api/*, where the emulator turns it into the signed requests Slack would send the bot.
// Plain browser JavaScript on purpose: the lab has no build step.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const ui = {
  state: null,
  user: params.get('user') || localStorage.getItem('netops-lab-user') || '',
  channel: params.get('channel') || '',
  thread: '',
  seen: {},
  openDetails: new Set(),
  fileText: new Map(),
  modalKey: '',
  refreshing: false,
  again: false,
};

// Symbols every machine has a glyph for (DejaVu covers them; a colour-emoji font is often missing on
// servers), tinted like Slack's emoji so the states read at a glance.
const EMOJI = {
  hourglass_flowing_sand: ['◷', '#b7791f'],
  hourglass: ['◷', '#b7791f'],
  arrows_counterclockwise: ['↻', '#1264a3'],
  white_check_mark: ['✔', '#2bac76'],
  heavy_check_mark: ['✔', '#2bac76'],
  x: ['✖', '#e01e5a'],
  warning: ['⚠', '#e8912d'],
  rotating_light: ['◉', '#e01e5a'],
  memo: ['✎', '#616061'],
  chart_with_upwards_trend: ['↗', '#2bac76'],
  bar_chart: ['▥', '#1264a3'],
  fire: ['♨', '#e01e5a'],
  mag: ['⌕', '#616061'],
  lock: ['⚷', '#616061'],
  eyes: ['◉◉', '#616061'],
  wrench: ['⚒', '#616061'],
  hammer_and_wrench: ['⚒', '#616061'],
  gear: ['⚙', '#616061'],
  information_source: ['ℹ', '#1264a3'],
  large_green_circle: ['●', '#2bac76'],
  large_yellow_circle: ['●', '#ecb22e'],
  red_circle: ['●', '#e01e5a'],
  thumbsup: ['✔', '#e8912d'],
  '+1': ['✔', '#e8912d'],
  no_entry: ['✖', '#e01e5a'],
  clipboard: ['☰', '#616061'],
  bell: ['♪', '#ecb22e'],
  arrow_forward: ['▶', '#1264a3'],
  rewind: ['◀◀', '#e8912d'],
  alarm_clock: ['◷', '#e8912d'],
  no_entry_sign: ['⊘', '#e01e5a'],
};
function emojiHtml(name) {
  const e = EMOJI[name];
  return e ? `<span class="emoji" title=":${name}:" style="color:${e[1]}">${e[0]}</span>` : null;
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
// Slack text arrives with &, < and > escaped by the sender; decode before escaping for HTML.
function unesc(s) {
  return String(s).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
function emoji(s) {
  return s.replace(/:([a-z0-9_+-]+):/g, (m, name) => emojiHtml(name) || m);
}

function personName(id) {
  const st = ui.state;
  if (!st) return id;
  if (id === st.bot.userId) return st.bot.name;
  const p = st.people.find((u) => u.id === id);
  return p ? p.name : id;
}
function channelName(id) {
  const c = ui.state?.channels.find((x) => x.id === id);
  return c ? c.name : id;
}

function link(inner) {
  const [target, label] = inner.split('|');
  if (target.startsWith('@'))
    return `<span class="mention">@${esc(label || personName(target.slice(1)))}</span>`;
  if (target.startsWith('#'))
    return `<span class="mention">#${esc(label || channelName(target.slice(1)))}</span>`;
  if (target.startsWith('!date^')) {
    // <!date^unix^{format}|fallback>: Slack shows the reader's local time.
    const ts = Number(target.split('^')[1]);
    return Number.isFinite(ts)
      ? esc(new Date(ts * 1000).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }))
      : esc(unesc(label || ''));
  }
  if (target.startsWith('!')) {
    const name = target.startsWith('!subteam^') ? label || target : `@${target.slice(1)}`;
    return `<span class="mention">${esc(name)}</span>`;
  }
  const url = unesc(target);
  if (!/^(https?:|mailto:)/i.test(url)) return esc(unesc(inner));
  return `<a href="${esc(url)}" target="_blank" rel="noopener">${esc(unesc(label || target))}</a>`;
}

function styled(text) {
  let s = esc(unesc(text));
  s = s.replace(/^&gt; ?(.*)$/gm, '<span class="quote">$1</span>');
  s = s.replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s.,;:!?)<])/g, '$1<b>$2</b>');
  s = s.replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s.,;:!?)<])/g, '$1<i>$2</i>');
  s = s.replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s.,;:!?)<])/g, '$1<s>$2</s>');
  return emoji(s).replace(/\n/g, '<br>');
}

function inline(text) {
  let out = '';
  let last = 0;
  const re = /<([^<>\n]+)>|`([^`\n]+)`/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += styled(text.slice(last, m.index));
    out += m[1] !== undefined ? link(m[1]) : `<code>${esc(unesc(m[2]))}</code>`;
    last = re.lastIndex;
  }
  return out + styled(text.slice(last));
}

/** Slack's mrkdwn: code blocks first, so nothing inside them is formatted. */
function mrkdwn(text) {
  return String(text || '')
    .split('```')
    .map((part, i) =>
      i % 2 ? `<pre class="code">${esc(unesc(part.replace(/^\n/, '')))}</pre>` : inline(part),
    )
    .join('');
}

function textObject(t) {
  if (!t) return '';
  return t.type === 'plain_text' ? emoji(esc(t.text)) : mrkdwn(t.text);
}

function richElements(elements) {
  return (elements || [])
    .map((e) => {
      if (e.type === 'text') {
        let s = emoji(esc(e.text)).replace(/\n/g, '<br>');
        const st = e.style || {};
        if (st.code) s = `<code>${s}</code>`;
        if (st.bold) s = `<b>${s}</b>`;
        if (st.italic) s = `<i>${s}</i>`;
        if (st.strike) s = `<s>${s}</s>`;
        return s;
      }
      if (e.type === 'link') {
        // Only web and mail links become links: a javascript: URL from a message must never run.
        if (!/^(https?:|mailto:)/i.test(e.url || '')) return esc(e.text || e.url || '');
        return `<a href="${esc(e.url)}" target="_blank" rel="noopener">${esc(e.text || e.url)}</a>`;
      }
      if (e.type === 'user') return `<span class="mention">@${esc(personName(e.user_id))}</span>`;
      if (e.type === 'channel') return `<span class="mention">#${esc(channelName(e.channel_id))}</span>`;
      if (e.type === 'emoji') return emojiHtml(e.name) || `:${esc(e.name)}:`;
      if (e.type === 'broadcast') return `<span class="mention">@${esc(e.range)}</span>`;
      return '';
    })
    .join('');
}

function richText(block) {
  return (block.elements || [])
    .map((el) => {
      if (el.type === 'rich_text_section') return `<div>${richElements(el.elements)}</div>`;
      if (el.type === 'rich_text_preformatted') {
        const text = (el.elements || []).map((e) => e.text || e.url || '').join('');
        return `<pre class="code">${esc(text)}</pre>`;
      }
      if (el.type === 'rich_text_quote') return `<span class="quote">${richElements(el.elements)}</span>`;
      if (el.type === 'rich_text_list') {
        const tag = el.style === 'ordered' ? 'ol' : 'ul';
        const items = (el.elements || []).map((s) => `<li>${richElements(s.elements)}</li>`).join('');
        return `<${tag}>${items}</${tag}>`;
      }
      return '';
    })
    .join('');
}

// Interactive elements carry their Block Kit JSON so a click can send it back as Slack does.
// A modal keeps its own map: it is re-rendered only when its view changes, the messages on every push.
let elementSeq = 0;
const messageElements = new Map();
const modalElements = new Map();
const elements = { get: (key) => messageElements.get(key) || modalElements.get(key) };
function remember(el, blockId, inModal) {
  const key = `el${++elementSeq}`;
  (inModal ? modalElements : messageElements).set(key, { el, blockId });
  return key;
}

function optionsHtml(options, selected) {
  return (options || [])
    .map(
      (o) =>
        `<option value="${esc(o.value)}"${selected && selected.value === o.value ? ' selected' : ''}>${esc(o.text.text)}</option>`,
    )
    .join('');
}

function element(el, blockId, inModal) {
  const key = remember(el, blockId, inModal);
  const attrs = `data-key="${key}" data-action-id="${esc(el.action_id || '')}"`;
  switch (el.type) {
    case 'button': {
      const style = el.style === 'primary' ? ' primary' : el.style === 'danger' ? ' danger' : '';
      return `<button type="button" class="btn${style}" ${attrs}>${emoji(esc(el.text.text))}</button>`;
    }
    case 'static_select':
      return `<select class="el" ${attrs}><option value="">${esc(el.placeholder?.text || 'Select…')}</option>${optionsHtml(el.options, el.initial_option)}</select>`;
    case 'overflow':
      return `<select class="el" ${attrs}><option value="">⋯</option>${optionsHtml(el.options)}</select>`;
    case 'image':
      return `<img src="${esc(el.image_url)}" alt="${esc(el.alt_text || '')}">`;
    case 'plain_text_input': {
      const ph = esc(el.placeholder?.text || '');
      const init = esc(el.initial_value || '');
      return el.multiline
        ? `<textarea class="el" rows="4" ${attrs} placeholder="${ph}">${init}</textarea>`
        : `<input class="el" ${attrs} placeholder="${ph}" value="${init}">`;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const type = el.type === 'checkboxes' ? 'checkbox' : 'radio';
      const initial = new Set(
        (el.initial_options || (el.initial_option ? [el.initial_option] : [])).map((o) => o.value),
      );
      return `<div ${attrs}>${(el.options || [])
        .map(
          (o) =>
            `<label class="check"><input type="${type}" name="${key}" value="${esc(o.value)}"${initial.has(o.value) ? ' checked' : ''}> ${textObject(o.text)}</label>`,
        )
        .join('')}</div>`;
    }
    case 'datepicker':
      return `<input type="date" class="el" ${attrs} value="${esc(el.initial_date || '')}">`;
    case 'number_input': {
      const step = el.is_decimal_allowed ? 'any' : '1';
      const min = el.min_value !== undefined ? ` min="${esc(el.min_value)}"` : '';
      const max = el.max_value !== undefined ? ` max="${esc(el.max_value)}"` : '';
      return `<input type="number" step="${step}"${min}${max} class="el" ${attrs} value="${esc(el.initial_value || '')}">`;
    }
    case 'email_input':
    case 'url_input':
      return `<input type="${el.type === 'email_input' ? 'email' : 'url'}" class="el" ${attrs} value="${esc(el.initial_value || '')}">`;
    case 'users_select':
      return `<select class="el" ${attrs}><option value="">Select a person</option>${ui.state.people
        .map(
          (p) =>
            `<option value="${esc(p.id)}"${el.initial_user === p.id ? ' selected' : ''}>${esc(p.real_name)}</option>`,
        )
        .join('')}</select>`;
    default:
      return inModal ? `<em>(${esc(el.type)} not shown)</em>` : '';
  }
}

function block(b, inModal) {
  const id = b.block_id || '';
  switch (b.type) {
    case 'header':
      return `<div class="block block-header">${textObject(b.text)}</div>`;
    case 'section': {
      const fields = b.fields?.length
        ? `<div class="fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join('')}</div>`
        : '';
      const acc = b.accessory ? `<div class="accessory">${element(b.accessory, id, inModal)}</div>` : '';
      return `<div class="block block-section" data-block-id="${esc(id)}"><div class="section-main">${textObject(b.text)}${fields}</div>${acc}</div>`;
    }
    case 'context':
      return `<div class="block block-context">${(b.elements || [])
        .map((e) =>
          e.type === 'image'
            ? `<img src="${esc(e.image_url)}" alt="${esc(e.alt_text || '')}">`
            : `<span>${textObject(e)}</span>`,
        )
        .join('')}</div>`;
    case 'divider':
      return '<hr class="block block-divider">';
    case 'actions':
      return `<div class="block block-actions" data-block-id="${esc(id)}">${(b.elements || [])
        .map((e) => element(e, id, inModal))
        .join('')}</div>`;
    case 'image': {
      const title = b.title ? `<div class="title">${textObject(b.title)}</div>` : '';
      const src = b.image_url || (b.slack_file ? `/files/${b.slack_file.id}` : '');
      return `<div class="block block-image">${title}<img src="${esc(src)}" alt="${esc(b.alt_text || '')}"></div>`;
    }
    case 'rich_text':
      return `<div class="block rich">${richText(b)}</div>`;
    case 'input': {
      const opt = b.optional ? ' <span class="hint">(optional)</span>' : '';
      const hint = b.hint ? `<div class="hint">${textObject(b.hint)}</div>` : '';
      return `<div class="block input-block" data-block-id="${esc(id)}"><label>${textObject(b.label)}${opt}</label>${element(b.element, id, true)}${hint}<div class="error"></div></div>`;
    }
    default:
      return `<div class="block"><em>(${esc(b.type)} block)</em></div>`;
  }
}

function blocksHtml(blocks, inModal) {
  return (blocks || []).map((b) => block(b, inModal)).join('');
}

function filesHtml(files) {
  return (files || [])
    .map((f) => {
      if (f.mimetype?.startsWith('image/')) {
        return `<div class="file-image" data-file-id="${esc(f.id)}"><div class="name">${esc(f.title || f.name)}</div><img src="/files/${esc(f.id)}" alt="${esc(f.altText || f.name)}"></div>`;
      }
      const open = ui.openDetails.has(f.id) ? ' open' : '';
      const text = ui.fileText.get(f.id);
      return `<details class="file" data-file-id="${esc(f.id)}"${open}><summary>▤ ${esc(f.title || f.name)}<span class="size">${f.size} bytes</span></summary><pre class="code">${text === undefined ? 'loading…' : esc(text)}</pre></details>`;
    })
    .join('');
}

function time(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const COLOURS = ['#e8912d', '#2bac76', '#8a4bd1', '#cd2553', '#0b4c8c', '#5b5b5b'];
function avatar(id, bot) {
  if (bot) return '<div class="avatar bot">N</div>';
  const name = personName(id);
  const c = COLOURS[[...id].reduce((a, ch) => a + ch.charCodeAt(0), 0) % COLOURS.length];
  return `<div class="avatar" style="background:${c}">${esc(name.slice(0, 1).toUpperCase())}</div>`;
}

function messageHtml(m, opts) {
  const name = m.bot ? ui.state.bot.name : personName(m.user);
  const edited = m.edits?.length ? '<span class="edited">(edited)</span>' : '';
  const content = m.blocks?.length ? blocksHtml(m.blocks, false) : mrkdwn(m.text);
  const replies =
    opts.thread !== false && m.replies?.length
      ? `<button type="button" class="thread-link" data-thread="${esc(m.ts)}">${m.replies.length} ${m.replies.length === 1 ? 'reply' : 'replies'}</button>`
      : '';
  const reactions = m.reactions?.length
    ? `<div class="reactions">${m.reactions.map((r) => `<span>${emojiHtml(r.name) || `:${esc(r.name)}:`} ${r.users.length}</span>`).join('')}</div>`
    : '';
  return `<div class="msg${opts.cls || ''}" data-ts="${esc(m.ts)}" data-channel="${esc(m.channel)}" data-via="${esc(m.via)}">${avatar(m.user, m.bot)}<div class="body"><div class="meta"><span class="name">${esc(name)}</span>${m.bot ? '<span class="app">APP</span>' : ''}<span class="time">${time(m.ts)}</span>${edited}</div>${content}${filesHtml(m.files)}${reactions}${replies}</div></div>`;
}

function ephemeralHtml(e) {
  const content = e.blocks?.length ? blocksHtml(e.blocks, false) : mrkdwn(e.text);
  return `<div class="msg ephemeral" data-ephemeral="${esc(e.id)}" data-channel="${esc(e.channel)}">${avatar('', true)}<div class="body"><div class="only-you">◉ Only visible to you</div><div class="meta"><span class="name">${esc(ui.state.bot.name)}</span><span class="app">APP</span></div>${content}</div></div>`;
}

/** Messages and the current user's ephemerals, in time order. */
function timeline(messages, ephemerals) {
  const items = messages.map((m) => ({ at: Number(m.ts) * 1000, html: messageHtml(m, {}) }));
  for (const e of ephemerals) items.push({ at: e.at, html: ephemeralHtml(e) });
  items.sort((a, b) => a.at - b.at);
  return items.map((i) => i.html).join('');
}

function stickToBottom(el, render) {
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  render();
  if (atBottom) el.scrollTop = el.scrollHeight;
}

function render() {
  const st = ui.state;
  messageElements.clear();
  $('workspace-name').textContent = st.title;
  const sw = $('user-switcher');
  const userOptions = st.users
    .map(
      (u) =>
        `<option value="${esc(u.id)}"${u.id === ui.user ? ' selected' : ''}>${esc(u.real_name)}${u.role ? ` — ${esc(u.role)}` : ''}</option>`,
    )
    .join('');
  if (sw.innerHTML !== userOptions) sw.innerHTML = userOptions;
  $('channels').innerHTML = st.channels
    .map((c) => {
      const count = c.messages.length + c.messages.reduce((a, m) => a + m.replies.length, 0);
      const unread = c.id !== ui.channel && count > (ui.seen[c.id] || 0) ? count - (ui.seen[c.id] || 0) : 0;
      return `<a href="#" data-channel="${esc(c.id)}" class="${c.id === ui.channel ? 'active' : ''}"># ${esc(c.name)}${unread ? `<span class="unread">${unread}</span>` : ''}</a>`;
    })
    .join('');
  const channel = st.channels.find((c) => c.id === ui.channel);
  if (!channel) return;
  ui.seen[channel.id] = channel.messages.length + channel.messages.reduce((a, m) => a + m.replies.length, 0);
  $('channel-name').textContent = `# ${channel.name}`;
  $('composer-input').placeholder = `Message #${channel.name} — ${st.command} help, @netops jobs`;
  const top = st.ephemerals.filter((e) => e.channel === channel.id && !e.thread_ts);
  stickToBottom($('messages'), () => {
    $('messages').innerHTML = timeline(channel.messages, top);
  });
  const parent = ui.thread && channel.messages.find((m) => m.ts === ui.thread);
  $('thread').hidden = !parent;
  if (parent) {
    const eph = st.ephemerals.filter((e) => e.channel === channel.id && e.thread_ts === parent.ts);
    stickToBottom($('thread-messages'), () => {
      $('thread-messages').innerHTML =
        `<div class="thread-parent">${messageHtml(parent, { thread: false })}</div>` +
        timeline(parent.replies, eph);
    });
  }
  renderModal();
  loadOpenFiles();
}

function renderModal() {
  const layer = $('modal-layer');
  const view = ui.state.views[ui.state.views.length - 1];
  if (!view) {
    layer.hidden = true;
    layer.innerHTML = '';
    ui.modalKey = '';
    return;
  }
  // Re-render only when the bot changed the view, or typed input would be lost on every push.
  const key = `${view.id}:${view.hash}`;
  if (key === ui.modalKey) return;
  ui.modalKey = key;
  modalElements.clear();
  const v = view.view;
  const submit = v.submit ? `<button type="submit" class="btn primary">${esc(v.submit.text)}</button>` : '';
  const close = `<button type="button" class="btn" data-modal-close>${esc(v.close?.text || 'Cancel')}</button>`;
  layer.innerHTML = `<form class="modal" role="dialog" aria-label="${esc(v.title?.text || 'Modal')}" data-view-id="${esc(view.id)}"><header><span>${esc(v.title?.text || '')}</span><button type="button" data-modal-close aria-label="Close">×</button></header><div class="modal-body">${blocksHtml(v.blocks, true)}</div><footer>${close}${submit}</footer></form>`;
  layer.hidden = false;
}

/** The modal's inputs as Slack's view.state.values: block_id → action_id → value. */
function viewValues(form) {
  const values = {};
  for (const node of form.querySelectorAll('[data-key]')) {
    const entry = elements.get(node.dataset.key);
    if (!entry) continue;
    const { el, blockId } = entry;
    const value = elementValue(el, node);
    if (value === undefined) continue;
    values[blockId] = values[blockId] || {};
    values[blockId][el.action_id] = value;
  }
  return values;
}

function optionOf(el, v) {
  return (el.options || []).find((o) => o.value === v) || null;
}

function elementValue(el, node) {
  switch (el.type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_input':
    case 'url_input':
      return { type: el.type, value: node.value === '' ? null : node.value };
    case 'static_select':
      return { type: el.type, selected_option: optionOf(el, node.value) };
    case 'users_select':
      return { type: el.type, selected_user: node.value || null };
    case 'datepicker':
      return { type: el.type, selected_date: node.value || null };
    case 'checkboxes':
      return {
        type: el.type,
        selected_options: [...node.querySelectorAll('input:checked')].map((i) => optionOf(el, i.value)),
      };
    case 'radio_buttons': {
      const checked = node.querySelector('input:checked');
      return { type: el.type, selected_option: checked ? optionOf(el, checked.value) : null };
    }
    default:
      return undefined;
  }
}

function notice(text, kind) {
  const div = document.createElement('div');
  div.className = `notice${kind ? ` ${kind}` : ''}`;
  div.textContent = text;
  $('notices').append(div);
  setTimeout(() => div.remove(), 15000);
}

function takeForge() {
  const box = $('forge-signature');
  if (!box.checked) return undefined;
  // One forged request, then back to honest ones.
  box.checked = false;
  return 'signature';
}

async function post(path, body) {
  const forge = takeForge();
  const res = await fetch(`/console/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: ui.user, ...body, ...(forge ? { forge } : {}) }),
  });
  const out = await res.json();
  if (out.refused) notice(out.refused, 'refused');
  else if (out.notice) notice(out.notice);
  else if (out.error) notice(`The console could not send that: ${out.error}`, 'refused');
  return out;
}

async function refresh() {
  if (ui.refreshing) {
    ui.again = true;
    return;
  }
  ui.refreshing = true;
  try {
    const res = await fetch(`/console/api/state?user=${encodeURIComponent(ui.user)}`);
    ui.state = await res.json();
    if (!ui.state.users.some((u) => u.id === ui.user)) ui.user = ui.state.users[0]?.id || '';
    if (!ui.state.channels.some((c) => c.id === ui.channel)) ui.channel = ui.state.channels[0]?.id || '';
    render();
  } finally {
    ui.refreshing = false;
    if (ui.again) {
      ui.again = false;
      refresh();
    }
  }
}

async function loadOpenFiles() {
  for (const d of document.querySelectorAll('details.file[open]')) {
    const id = d.dataset.fileId;
    if (ui.fileText.has(id)) continue;
    ui.fileText.set(id, 'loading…');
    const res = await fetch(`/files/${encodeURIComponent(id)}`);
    ui.fileText.set(id, await res.text());
    const pre = d.querySelector('pre');
    if (pre) pre.textContent = ui.fileText.get(id);
  }
}

function sendAction(node, extra) {
  const entry = elements.get(node.dataset.key);
  if (!entry) return;
  const { el, blockId } = entry;
  const action = { type: el.type, action_id: el.action_id, block_id: blockId, ...extra };
  if (el.type === 'button') {
    action.text = el.text;
    if (el.value !== undefined) action.value = el.value;
  }
  const form = node.closest('form.modal');
  if (form) return post('action', { viewId: form.dataset.viewId, values: viewValues(form), action });
  const msg = node.closest('.msg');
  return post('action', { channel: msg.dataset.channel, messageTs: msg.dataset.ts, action });
}

document.addEventListener('click', (ev) => {
  const t = ev.target;
  const chan = t.closest('#channels a');
  if (chan) {
    ev.preventDefault();
    ui.channel = chan.dataset.channel;
    ui.thread = '';
    render();
    return;
  }
  const thread = t.closest('[data-thread]');
  if (thread) {
    ui.thread = thread.dataset.thread;
    render();
    return;
  }
  if (t.closest('[data-modal-close]')) {
    const form = t.closest('form.modal');
    post('view-close', { viewId: form.dataset.viewId, values: viewValues(form) });
    return;
  }
  const btn = t.closest('button[data-key]');
  if (btn) {
    const entry = elements.get(btn.dataset.key);
    const confirm = entry?.el.confirm;
    if (confirm && !window.confirm(`${confirm.title?.text || ''}\n\n${confirm.text?.text || ''}`)) return;
    sendAction(btn, {});
  }
});

document.addEventListener('change', (ev) => {
  const t = ev.target;
  if (t.matches('select[data-key]') && !t.closest('form.modal')) {
    const entry = elements.get(t.dataset.key);
    if (!entry) return;
    const el = entry.el;
    if (el.type === 'users_select') sendAction(t, { selected_user: t.value });
    else sendAction(t, { selected_option: optionOf(el, t.value) });
  }
});

document.addEventListener(
  'toggle',
  (ev) => {
    const d = ev.target;
    if (!d.matches?.('details.file')) return;
    if (d.open) ui.openDetails.add(d.dataset.fileId);
    else ui.openDetails.delete(d.dataset.fileId);
    loadOpenFiles();
  },
  true,
);

$('modal-layer').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  for (const e of form.querySelectorAll('.error')) e.textContent = '';
  const out = await post('view-submit', { viewId: form.dataset.viewId, values: viewValues(form) });
  for (const [blockId, message] of Object.entries(out.errors || {})) {
    const err = form.querySelector(`[data-block-id="${CSS.escape(blockId)}"] .error`);
    if (err) err.textContent = message;
  }
});

function composer(formId, inputId, thread) {
  $(formId).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $(inputId);
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    await post('send', { channel: ui.channel, text, ...(thread() ? { threadTs: thread() } : {}) });
  });
}
composer('composer', 'composer-input', () => '');
composer('thread-composer', 'thread-input', () => ui.thread);

$('thread-close').addEventListener('click', () => {
  ui.thread = '';
  render();
});

$('user-switcher').addEventListener('change', (ev) => {
  ui.user = ev.target.value;
  localStorage.setItem('netops-lab-user', ui.user);
  ui.modalKey = '';
  refresh();
});

function connect() {
  const events = new EventSource('/console/api/events');
  events.onopen = () => {
    $('connection').textContent = 'live';
    $('connection').className = 'connection live';
  };
  events.onmessage = () => refresh();
  events.onerror = () => {
    $('connection').textContent = 'reconnecting…';
    $('connection').className = 'connection';
  };
}

refresh().then(connect);
