// A background job's page asks for its progress every few seconds and shows it; once the job
// has finished, the page is loaded again to show the result.  Without this script the page
// reloads itself (a meta refresh) and has a link to refresh it.
const job = document.getElementById('job')
if (job && job.dataset.finished === 'no') {
  const every = 1000 * Number(job.dataset.pollSeconds || 2)
  const stage = document.getElementById('job-stage')
  const bar = document.getElementById('job-progress')
  const state = document.getElementById('job-state')
  const ask = async () => {
    try {
      const reply = await fetch(job.dataset.statusUrl, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin'
      })
      if (reply.ok) {
        const status = await reply.json()
        if (status.finished) {
          window.location.reload()
          return
        }
        state.textContent = status.state_text
        const queued = document.getElementById('job-queued')
        if (queued && status.state !== 'queued') queued.remove()
        stage.textContent = status.total
          ? `${status.stage}: ${status.done} of ${status.total}`
          : status.stage
        if (status.total) {
          bar.max = status.total
          bar.value = status.done
          bar.textContent = `${status.percent}%`
        }
      }
    } catch (error) {
      // A network error: ask again; the page still has its refresh link.
    }
    window.setTimeout(ask, every)
  }
  window.setTimeout(ask, every)
}
