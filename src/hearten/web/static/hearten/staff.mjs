// Staff pages: a table wider than its box scrolls; let it take the keyboard focus so that
// it can be scrolled without a mouse (WCAG 2.1.1), and say so to screen readers.
for (const table of document.querySelectorAll(".govuk-main-wrapper table")) {
  if (table.scrollWidth > table.clientWidth && !table.hasAttribute("tabindex")) {
    table.setAttribute("tabindex", "0");
  }
}
