// Runs before the first paint (a classic, blocking script) so a chosen
// theme never flashes the other one. No choice: follow the system.
try {
  const t = localStorage.getItem("symposium.theme");
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
} catch { /* storage may be disabled: the system theme applies */ }
