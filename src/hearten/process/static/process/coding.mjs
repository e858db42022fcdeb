// The transcript page: words selected in the transcript fill the form's "Words to tag" and
// its hidden character offsets. Each turn is one <p data-offset> holding only its text, so
// an offset is the turn's start plus the offset inside its text node. Without JavaScript the
// coder types the words instead, and the server finds them.
const transcript = document.getElementById("transcript");
const quote = document.getElementById("quote");
const start = document.getElementById("start");
const end = document.getElementById("end");

function position(node, offset) {
  const turn = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node)?.closest("[data-offset]");
  if (!turn || !transcript.contains(turn)) return null;
  if (node.nodeType !== Node.TEXT_NODE) {
    offset = offset > 0 ? turn.textContent.length : 0;
  }
  return Number(turn.dataset.offset) + offset;
}

function take() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
  const range = selection.getRangeAt(0);
  const from = position(range.startContainer, range.startOffset);
  const to = position(range.endContainer, range.endOffset);
  if (from === null || to === null || to <= from) return;
  start.value = String(from);
  end.value = String(to);
  quote.value = selection.toString().trim();
}

if (transcript && quote) {
  transcript.addEventListener("mouseup", take);
  transcript.addEventListener("keyup", take);
  transcript.addEventListener("touchend", take);
  quote.addEventListener("input", () => { start.value = ""; end.value = ""; });
}
