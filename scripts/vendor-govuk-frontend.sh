#!/usr/bin/env bash
# Re-vendor GOV.UK Frontend's compiled CSS and JS into the web app's static files.
# The GDS Transport font and the crown are licensed for GOV.UK domains only, and councils
# are not on them, so the @font-face rules are removed (text falls back to Arial).
set -euo pipefail
version="${1:-5}"
dest="src/hearten/web/static/govuk"
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack --silent "govuk-frontend@${version}" >/dev/null && tar xzf govuk-frontend-*.tgz)
mkdir -p "$dest"
python3 - "$tmp/package/dist/govuk/govuk-frontend.min.css" "$dest/govuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
sed 's#//\# sourceMappingURL=.*##' "$tmp/package/dist/govuk/govuk-frontend.min.js" > "$dest/govuk-frontend.min.js"
node -e "const p=require('$tmp/package/package.json'); console.log('GOV.UK Frontend ' + p.version + ' (' + p.homepage + ')\nCopyright (c) Crown copyright (Government Digital Service)\nLicence: ' + p.license + ' (https://opensource.org/license/mit)')" > "$dest/LICENSE.txt"
node -e "console.log(require('$tmp/package/package.json').version)" > "$dest/VERSION"
rm -rf "$tmp"
echo "GOV.UK Frontend $(cat "$dest/VERSION") vendored into $dest"
