// Sliders: a number question shown with a range input beside its number box.  The number box
// is what the form sends, and works alone without this script; here the range is shown and the
// two are kept in step, so the value chosen is always written out.  An untouched slider leaves
// the number box empty: the question stays unanswered until the respondent chooses.
for (const range of document.querySelectorAll('input[type=range][data-slider-for]')) {
  const box = document.getElementById(range.dataset.sliderFor)
  if (!box) continue
  range.hidden = false
  if (box.value !== '') range.value = box.value
  range.addEventListener('input', () => { box.value = range.value })
  box.addEventListener('input', () => { if (box.value !== '') range.value = box.value })
}
