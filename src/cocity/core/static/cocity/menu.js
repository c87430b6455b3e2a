// The header menu is a <details> disclosure and works without this file. With it, Escape closes
// the open menu (focus goes back to its button), and so does a click outside it.
document.addEventListener("DOMContentLoaded", function () {
  var menu = document.getElementById("site-menu");
  if (!menu) return;
  var button = menu.querySelector("summary");
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && getComputedStyle(button).display !== "none") {
      menu.open = false;
      button.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (menu.open && getComputedStyle(button).display !== "none" && !menu.contains(event.target)) {
      menu.open = false;
    }
  });
});
