// Coding in the browser: turn a selection into character offsets, tick codes by keyboard or
// click, and send the page's own form without reloading.  The page works without this script
// (the same form takes turn numbers, words or offsets); the script only fills it in.
//
// Offsets.  Every piece of transcript text is an element whose data-s is the offset of its
// first character in the transcript's normalised text, counted in characters (Unicode code
// points), as Python and the rest of Readiness count.  JavaScript strings count UTF-16 code
// units, in which a character outside the Basic Multilingual Plane (an emoji, some CJK
// characters) is two units, so a position inside a piece is converted: the characters before
// it are counted, a surrogate pair as one.

const text = document.getElementById('ri-text')
const form = document.getElementById('ri-code-form')
const status = document.getElementById('ri-selection')
const here = document.getElementById('ri-here')
const codingsBox = document.getElementById('ri-codings')

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff

/** The number of characters (code points) in a JavaScript string. */
export function codePoints (s) {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++
    n++
  }
  return n
}

function pieces () {
  return text.querySelectorAll('[data-s]')
}

function pieceEnd (el) {
  return Number(el.dataset.s) + codePoints(el.textContent)
}

/** The character offset of a DOM boundary point (a selection's start or end). */
export function offsetOf (node, offset, isEnd) {
  if (node.nodeType === Node.TEXT_NODE) {
    const el = node.parentElement && node.parentElement.closest('[data-s]')
    if (el && text.contains(el) && el.firstChild === node) {
      let k = offset
      const d = node.data
      // Never start half-way through a surrogate pair: start before the character.
      if (!isEnd && k > 0 && k < d.length && isHigh(d.charCodeAt(k - 1)) && isLow(d.charCodeAt(k))) k--
      return Number(el.dataset.s) + codePoints(d.slice(0, k))
    }
  }
  // A boundary between elements, in the gutter or outside the transcript: the piece that
  // starts at or after it (for a start) or the one before it (for an end).
  const probe = document.createRange()
  probe.setStart(node, offset)
  const list = pieces()
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (probe.comparePoint(list[mid], 0) < 0) lo = mid + 1
    else hi = mid
  }
  if (!list.length) return null
  if (isEnd) return lo > 0 ? pieceEnd(list[lo - 1]) : Number(list[0].dataset.s)
  return lo < list.length ? Number(list[lo].dataset.s) : pieceEnd(list[list.length - 1])
}

function field (name) {
  return form && form.elements.namedItem(name)
}

let chosen = null // {start, end, words}

function showChosen () {
  if (!chosen) {
    status.textContent = 'Select words in the transcript, then tick codes.'
    return
  }
  const words = chosen.words.replace(/\s+/g, ' ').trim()
  const shown = codePoints(words) > 160 ? Array.from(words).slice(0, 157).join('') + '…' : words
  status.textContent = ''
  const q = document.createElement('q')
  q.textContent = shown
  status.append('Selected ', q, ` (characters ${chosen.start} to ${chosen.end}).`)
}

function setChosen (start, end, words) {
  chosen = start === null || end === null || end <= start ? null : { start, end, words }
  if (!form) return
  field('start').value = chosen ? chosen.start : ''
  field('end').value = chosen ? chosen.end : ''
  for (const name of ['turn_from', 'turn_to', 'words']) field(name).value = ''
  showChosen()
}

function readSelection () {
  if (!form) return
  const sel = window.getSelection()
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return
  const range = sel.getRangeAt(0)
  if (!range.intersectsNode(text)) return
  const start = offsetOf(range.startContainer, range.startOffset, false)
  const end = offsetOf(range.endContainer, range.endOffset, true)
  if (start === null || end === null || end <= start) return
  setChosen(start, end, sel.toString())
}

let pending = 0
document.addEventListener('selectionchange', () => {
  cancelAnimationFrame(pending)
  pending = requestAnimationFrame(readSelection)
})

// -- codes by keyboard -------------------------------------------------------------------------

function typing (el) {
  if (!el) return false
  if (el.isContentEditable) return true
  const tag = el.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  return tag === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(el.type)
}

function submit (inVivo) {
  if (!form) return
  const button = document.getElementById(inVivo ? 'ri-in-vivo' : 'ri-apply')
  form.requestSubmit(button)
}

function clearAll () {
  window.getSelection().removeAllRanges()
  setChosen(null, null, '')
  for (const box of form.querySelectorAll('input[name=codes]')) box.checked = false
}

const filter = document.getElementById('ri-filter')
let active = -1 // which of the codes the filter shows the arrow keys point at

function shownCodes () {
  return [...form.querySelectorAll('.ri-code')].filter((el) => !el.hidden)
}

function pointAt (k) {
  const list = shownCodes()
  for (const el of form.querySelectorAll('.ri-code.ri-active')) el.classList.remove('ri-active')
  active = list.length ? Math.max(0, Math.min(k, list.length - 1)) : -1
  if (active < 0) {
    filter.removeAttribute('aria-activedescendant')
    return
  }
  const el = list[active]
  el.classList.add('ri-active')
  el.scrollIntoView({ block: 'nearest' })
  filter.setAttribute('aria-activedescendant', el.querySelector('input').id)
}

/** Enter in the filter: tick the code pointed at (the first shown) and leave the filter for
 * that code's box, so that the next Enter applies; in an empty filter, apply. */
function filterEnter () {
  if (filter.value.trim() === '') {
    submit(false)
    return
  }
  const el = shownCodes()[Math.max(active, 0)]
  if (!el) return
  const box = el.querySelector('input')
  box.checked = true
  filter.value = ''
  applyFilter('')
  box.focus()
}

document.addEventListener('keydown', (event) => {
  if (form && (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'z' &&
      !typing(event.target) && last) {
    event.preventDefault()
    undo()
    return
  }
  if (!form || event.ctrlKey || event.metaKey || event.altKey) return
  if (event.target === filter) {
    if (event.key === 'Enter') {
      event.preventDefault()
      filterEnter()
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      pointAt(active + (event.key === 'ArrowDown' ? 1 : -1))
    } else if (event.key === 'Escape') {
      filter.value = ''
      applyFilter('')
      filter.blur()
    }
    return
  }
  if (typing(event.target) || event.target.classList.contains('ri-handle')) return
  if (event.key === '/') {
    event.preventDefault()
    filter.focus()
  } else if (event.key === 'Escape') {
    clearAll()
  } else if (!chosen) {
    // nothing selected: the keys are the browser's
  } else if (/^[1-9]$/.test(event.key)) {
    const box = form.querySelector(`input[name=codes][data-key="${event.key}"]`)
    if (box) {
      event.preventDefault()
      box.checked = !box.checked
    }
  } else if (event.key === 'Enter') {
    event.preventDefault()
    submit(false)
  } else if (event.key === 'v' || event.key === 'V') {
    event.preventDefault()
    submit(true)
  }
})

/** Show the codes whose name has the words typed, or the one with the number typed. */
function applyFilter (query) {
  const q = query.trim().toLowerCase()
  const number = /^\d+$/.test(q) ? q : null
  for (const el of form.querySelectorAll('.ri-code, .ri-code-heading, .ri-theme-heading')) {
    if (el.classList.contains('ri-theme-heading')) el.hidden = q !== ''
    else if (number !== null) el.hidden = el.dataset.number !== number
    else el.hidden = q !== '' && !el.dataset.name.includes(q)
  }
  pointAt(q === '' ? -1 : 0)
}

// -- sending the form, undoing -----------------------------------------------------------------

function flash (ids) {
  for (const id of ids) {
    for (const el of text.querySelectorAll(`mark[data-c~="${id}"]`)) {
      el.classList.remove('ri-flash')
      void el.offsetWidth // restart the animation
      el.classList.add('ri-flash')
    }
  }
}

function say (message, isError) {
  status.textContent = message
  status.classList.toggle('ri-error', Boolean(isError))
  status.setAttribute('role', isError ? 'alert' : 'status')
}

/** POST ``body`` to ``url`` asking for JSON; the answer, or null after saying what failed. */
async function send (url, body) {
  let response
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
  } catch (err) {
    say('Could not reach the server; nothing was changed. Try again.', true)
    return null
  }
  let data = null
  try {
    data = await response.json()
  } catch (err) {
    say(`The server answered ${response.status}; nothing was changed. Reload the page.`, true)
    return null
  }
  if (!data.ok) {
    say(data.errors.join(' '), true)
    return null
  }
  return data
}

/** Put the server's new transcript, list and codebook in the page. */
function refresh (data) {
  endAdjust(false)
  text.innerHTML = data.text
  codingsBox.innerHTML = data.list
  document.getElementById('ri-codebook').innerHTML = data.codebook
  applyFilter(filter.value)
  say(data.message, false)
  flash(data.codings || [])
}

// The last change this page made, which Undo (or Ctrl+Z) takes back: codings applied (with
// the codes that made), or a coding's span before it was moved.
let last = null
const undoButton = document.getElementById('ri-undo')

function setUndo (value) {
  last = value
  if (undoButton) undoButton.disabled = !value
}

function csrfBody () {
  const body = new FormData()
  body.append('csrfmiddlewaretoken', field('csrfmiddlewaretoken').value)
  return body
}

async function undo () {
  if (!last) return
  const body = csrfBody()
  let url = window.location.pathname + window.location.search
  if (last.kind === 'apply') {
    body.append('undo', '1')
    for (const guid of last.codings) body.append('undo_codings', guid)
    for (const guid of last.codes) body.append('undo_codes', guid)
  } else {
    url = last.url + window.location.search
    body.append('start', last.start)
    body.append('end', last.end)
  }
  const data = await send(url, body)
  if (data) {
    refresh(data)
    setUndo(null)
  }
}

if (form) {
  document.getElementById('ri-passage').open = false
  showChosen()
  filter.addEventListener('input', (e) => applyFilter(e.target.value))
  undoButton.addEventListener('click', undo)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const body = new FormData(form, event.submitter || undefined)
    const data = await send(window.location.pathname + window.location.search, body)
    if (!data) return
    refresh(data)
    document.getElementById('ri-new-code').value = ''
    window.getSelection().removeAllRanges()
    setChosen(null, null, '')
    say(data.message, false)
    if (data.undo && data.undo.codings.length) setUndo({ kind: 'apply', ...data.undo })
  })
}

// -- adjusting a coding's span -----------------------------------------------------------------
//
// A label in the margin picks its coding: two handles appear at its start and end, and the
// span is highlighted (the CSS Custom Highlight API, so the text's elements stay as they are).
// Drag a handle, or focus it and use the arrow keys (to the next word start for the start,
// word end for the end; with Shift by a character);
// letting go or Enter saves, Esc puts it back.

const adjustBox = document.getElementById('ri-adjust')
const adjustStatus = document.getElementById('ri-adjust-status')
const handles = {
  start: document.getElementById('ri-handle-start'),
  end: document.getElementById('ri-handle-end')
}
let adjusting = null // {chip, url, guid, start, end, from: {start, end}, name}

/** The DOM point of a character offset: in the piece that holds it (for an end, the piece
 * it ends). */
function domPoint (offset, isEnd) {
  const list = pieces()
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const s = Number(list[mid].dataset.s)
    if (isEnd ? s < offset : s <= offset) lo = mid + 1
    else hi = mid
  }
  const el = list[Math.max(0, lo - 1)]
  const node = el.firstChild || el
  const d = node.data || ''
  let k = Math.max(0, offset - Number(el.dataset.s))
  let i = 0
  while (k > 0 && i < d.length) {
    i += isHigh(d.charCodeAt(i)) && i + 1 < d.length && isLow(d.charCodeAt(i + 1)) ? 2 : 1
    k--
  }
  return { node, offset: i }
}

function spanRange (start, end) {
  const a = domPoint(start, false)
  const b = domPoint(end, true)
  const range = document.createRange()
  range.setStart(a.node, a.offset)
  range.setEnd(b.node, b.offset)
  return range
}

function caretRect (offset, isEnd) {
  const p = domPoint(offset, isEnd)
  const range = document.createRange()
  range.setStart(p.node, p.offset)
  range.collapse(true)
  const rects = range.getClientRects()
  return rects.length ? rects[0] : range.getBoundingClientRect()
}

function placeHandles () {
  if (!adjusting) return
  const origin = adjustBox.parentElement.getBoundingClientRect()
  for (const which of ['start', 'end']) {
    const r = caretRect(adjusting[which], which === 'end')
    const h = handles[which]
    h.style.left = `${r.left - origin.left}px`
    h.style.top = `${r.top - origin.top - 2}px`
    h.style.height = `${Math.max(r.height, 16) + 4}px`
  }
  if (window.Highlight && CSS.highlights) {
    CSS.highlights.set('ri-adjust', new Highlight(spanRange(adjusting.start, adjusting.end)))
  }
  adjustStatus.textContent = `Adjusting the coding of ${adjusting.name}: characters ` +
    `${adjusting.start} to ${adjusting.end}. Drag a handle or use the arrow keys; Enter saves, Esc cancels.`
}

function startAdjust (chip) {
  endAdjust(false)
  adjusting = {
    chip,
    url: new URL(chip.href, window.location.href).pathname,
    guid: chip.dataset.g,
    start: Number(chip.dataset.start),
    end: Number(chip.dataset.end),
    name: chip.textContent.replace(/^Coding: /, '')
  }
  adjusting.from = { start: adjusting.start, end: adjusting.end }
  chip.setAttribute('aria-current', 'true')
  adjustBox.hidden = false
  adjustStatus.hidden = false
  placeHandles()
  handles.start.focus()
}

function endAdjust (restoreFocus) {
  if (!adjusting) return
  const chip = adjusting.chip
  chip.removeAttribute('aria-current')
  adjusting = null
  adjustBox.hidden = true
  adjustStatus.hidden = true
  if (window.Highlight && CSS.highlights) CSS.highlights.delete('ri-adjust')
  if (restoreFocus && chip.isConnected) chip.focus()
}

function moveHandle (which, offset) {
  const limit = Number(text.dataset.length)
  if (which === 'start') adjusting.start = Math.max(0, Math.min(offset, adjusting.end - 1))
  else adjusting.end = Math.min(limit, Math.max(offset, adjusting.start + 1))
  placeHandles()
}

async function saveAdjust () {
  if (!adjusting) return
  const { url, start, end, from } = adjusting
  if (start === from.start && end === from.end) {
    endAdjust(true)
    return
  }
  const body = csrfBody()
  body.append('start', start)
  body.append('end', end)
  const data = await send(url + window.location.search, body)
  if (!data) return
  refresh(data)
  setUndo({ kind: 'move', url, start: from.start, end: from.end })
}

function charAt (offset) {
  const p = domPoint(offset, false)
  const el = p.node.parentElement
  if (!el || Number(el.dataset.s) > offset || offset >= pieceEnd(el)) return '\n'
  return String.fromCodePoint(p.node.data.codePointAt(p.offset))
}

/** The next word start (for a start) or word end (for an end) from ``offset`` going
 * ``step`` (+1 or -1). */
function wordStep (offset, step, isEnd) {
  const limit = Number(text.dataset.length)
  let k = offset
  const space = (c) => /[\s.,;:!?"“”]/.test(c)
  for (let n = 0; n < 80; n++) {
    k += step
    if (k <= 0 || k >= limit) return Math.max(0, Math.min(k, limit))
    const before = space(charAt(k - 1))
    const after = space(charAt(k))
    if (isEnd ? !before && after : before && !after) return k
  }
  return k
}

function caretFromPoint (x, y) {
  if (document.caretPositionFromPoint) {
    const p = document.caretPositionFromPoint(x, y)
    return p && { node: p.offsetNode, offset: p.offset }
  }
  const r = document.caretRangeFromPoint && document.caretRangeFromPoint(x, y)
  return r && { node: r.startContainer, offset: r.startOffset }
}

for (const which of ['start', 'end']) {
  const h = handles[which]
  if (!h) continue
  h.addEventListener('pointerdown', (event) => {
    event.preventDefault()
    h.setPointerCapture(event.pointerId)
    h.dataset.dragging = '1'
  })
  h.addEventListener('pointermove', (event) => {
    if (!h.dataset.dragging || !adjusting) return
    adjustBox.hidden = true // the caret under the pointer, not the handle
    const p = caretFromPoint(event.clientX, event.clientY)
    adjustBox.hidden = false
    if (!p || !text.contains(p.node)) return
    const offset = offsetOf(p.node, p.offset, which === 'end')
    if (offset !== null) moveHandle(which, offset)
  })
  h.addEventListener('pointerup', (event) => {
    if (!h.dataset.dragging) return
    delete h.dataset.dragging
    h.releasePointerCapture(event.pointerId)
    saveAdjust()
  })
  h.addEventListener('keydown', (event) => {
    if (!adjusting) return
    const at = adjusting[which]
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      event.preventDefault()
      const step = event.key === 'ArrowRight' ? 1 : -1
      moveHandle(which, event.shiftKey ? at + step : wordStep(at, step, which === 'end'))
    } else if (event.key === 'Enter') {
      event.preventDefault()
      saveAdjust()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      endAdjust(true)
    }
  })
}

window.addEventListener('resize', placeHandles)

// -- looking at codings ------------------------------------------------------------------------

function jump (id) {
  const anchor = document.getElementById(`c${id}`)
  if (!anchor) return
  const target = text.querySelector(`mark[data-c~="${id}"]`) || anchor
  target.scrollIntoView({ block: 'center', behavior: 'smooth' })
  flash([id])
  history.replaceState(null, '', `#c${id}`)
}

document.addEventListener('click', (event) => {
  const chip = event.target.closest('#ri-text a.ri-chip[data-edit]')
  if (chip && form && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    event.preventDefault()
    if (adjusting && adjusting.chip === chip) endAdjust(true)
    else startAdjust(chip)
    return
  }
  const link = event.target.closest('a.ri-jump')
  if (link) {
    event.preventDefault()
    jump(link.dataset.c)
    return
  }
  const mark = event.target.closest('#ri-text mark[data-c]')
  if (!mark || !window.getSelection().isCollapsed) return
  const items = mark.dataset.c.split(' ').map((id) => document.getElementById(`li-${id}`)).filter(Boolean)
  if (!items.length) return
  here.innerHTML = ''
  const heading = document.createElement('h2')
  heading.className = 'nhsuk-heading-s nhsuk-u-margin-bottom-2'
  heading.textContent = `Codings here (${items.length})`
  const list = document.createElement('ol')
  list.className = 'ri-codings'
  for (const li of items) list.append(li.cloneNode(true))
  for (const li of list.children) li.removeAttribute('id')
  here.append(heading, list)
  here.hidden = false
})

if (window.location.hash === '#at') {
  for (const el of text.querySelectorAll('.ri-hit')) el.classList.add('ri-flash')
} else if (/^#c\d+$/.test(window.location.hash)) {
  flash([window.location.hash.slice(2)])
}
