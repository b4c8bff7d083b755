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

document.addEventListener('keydown', (event) => {
  if (!form || event.ctrlKey || event.metaKey || event.altKey) return
  const filter = document.getElementById('ri-filter')
  if (event.target === filter) {
    if (event.key === 'Enter') {
      event.preventDefault()
      const first = [...form.querySelectorAll('.ri-code')].find((el) => !el.hidden)
      if (first) first.querySelector('input').click()
      filter.value = ''
      applyFilter('')
    } else if (event.key === 'Escape') {
      filter.value = ''
      applyFilter('')
      filter.blur()
    }
    return
  }
  if (typing(event.target)) return
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

function applyFilter (query) {
  const q = query.trim().toLowerCase()
  for (const el of form.querySelectorAll('.ri-code, .ri-code-heading, .ri-theme-heading')) {
    if (el.classList.contains('ri-theme-heading')) el.hidden = q !== ''
    else el.hidden = q !== '' && !el.dataset.name.includes(q)
  }
}

// -- sending the form --------------------------------------------------------------------------

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

if (form) {
  document.getElementById('ri-passage').open = false
  showChosen()
  document.getElementById('ri-filter').addEventListener('input', (e) => applyFilter(e.target.value))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const body = new FormData(form, event.submitter || undefined)
    let response
    try {
      response = await fetch(window.location.pathname + window.location.search, {
        method: 'POST',
        body,
        headers: { Accept: 'application/json' },
        credentials: 'same-origin'
      })
    } catch (err) {
      say('Could not reach the server; nothing was coded. Try again.', true)
      return
    }
    let data = null
    try {
      data = await response.json()
    } catch (err) {
      say(`The server answered ${response.status}; nothing was coded. Reload the page.`, true)
      return
    }
    if (!data.ok) {
      say(data.errors.join(' '), true)
      return
    }
    text.innerHTML = data.text
    codingsBox.innerHTML = data.list
    document.getElementById('ri-codebook').innerHTML = data.codebook
    document.getElementById('ri-new-code').value = ''
    window.getSelection().removeAllRanges()
    setChosen(null, null, '')
    say(data.message, false)
    flash(data.codings)
  })
}

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
