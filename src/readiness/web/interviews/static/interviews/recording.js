// The transcript's recording: a turn's time (a button with data-ms) plays it from there.
// Listens on the document, so turns redrawn after coding keep working.
const player = document.getElementById("ri-player");
if (player) {
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".ri-seek[data-ms]");
    if (!button) return;
    event.preventDefault();
    const seconds = Number(button.dataset.ms) / 1000;
    const go = () => {
      player.currentTime = seconds;
      const playing = player.play();
      if (playing && playing.catch) playing.catch(() => {}); // autoplay refused: seeking is enough
    };
    if (player.readyState >= 1) go();
    else player.addEventListener("loadedmetadata", go, { once: true });
  });
}
