// The main menu is a <details> element, open in the HTML so that it works without
// JavaScript; on a phone it starts folded so the page content comes first.
(function () {
  var menu = document.querySelector("details.menu");
  if (menu && window.matchMedia("(max-width: 40rem)").matches) {
    menu.open = false;
  }
})();
