// Turns on GOV.UK Frontend's JavaScript enhancements (no inline scripts: see the CSP).
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
