// Start the NHS.UK frontend components (the pages work without this script).
import { initAll, Radios } from '../nhsuk/nhsuk-frontend.min.js'

// NHS.UK frontend marks a radio that reveals a nested question with aria-expanded, which ARIA
// does not allow on a radio (axe: aria-allowed-attr).  The reveal and aria-controls stay.
const sync = Radios.prototype.syncConditionalRevealWithInputState
Radios.prototype.syncConditionalRevealWithInputState = function ($input) {
  sync.call(this, $input)
  $input.removeAttribute('aria-expanded')
}
initAll()

// The dashboard, while its results are being computed or brought up to date, asks every two
// seconds (for five minutes at most) whether they are ready.  Where no results are shown yet
// (data-replace), the new ones are put in their place; where older results are shown, the new
// ones are offered with a link, so that the table is not changed under the reader.  Without this
// script the page says to refresh.
const offer = (update) => {
  const line = document.createElement('p')
  line.append('The up-to-date results are ready. ')
  const link = document.createElement('a')
  link.href = window.location.pathname
  link.textContent = 'Show the up-to-date results'
  line.append(link)
  update.className = 'nhsuk-inset-text'
  update.append(line)
}
const replace = async (update) => {
  const reply = await fetch(window.location.pathname, { credentials: 'same-origin' })
  const page = new DOMParser().parseFromString(await reply.text(), 'text/html')
  const fresh = page.getElementById(update.dataset.replace)
  const here = document.getElementById(update.dataset.replace)
  if (!reply.ok || !fresh || !here) return offer(update)
  here.replaceChildren(...fresh.childNodes)
  const told = document.getElementById('results-announce')
  if (told) told.textContent = 'The results are ready and shown below.'
  const again = document.getElementById('results-update')
  if (again) watch(again)
}
const watch = (update) => {
  let asked = 0
  const ask = async () => {
    asked += 1
    try {
      const reply = await fetch(update.dataset.statusUrl, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin'
      })
      if (reply.ok && (await reply.json()).current) {
        return update.dataset.replace ? await replace(update) : offer(update)
      }
    } catch (error) {
      // A network error: ask again; the page still says how to see new results.
    }
    if (asked < 150) window.setTimeout(ask, 2000)
  }
  window.setTimeout(ask, 2000)
}
const update = document.getElementById('results-update')
if (update) watch(update)

// The lesson after the survey: its print button shows only when this script runs, and printing
// opens every fold so that a printed copy carries its sources.
const printLesson = document.getElementById('print-lesson')
if (printLesson && window.print) {
  window.addEventListener('beforeprint', () => {
    document.querySelectorAll('details').forEach((d) => { d.open = true })
  })
  printLesson.hidden = false
  printLesson.addEventListener('click', () => window.print())
}
