// Values that break naive shell quoting; shared by the quoting tests and the ssh tests.
export const HOSTILE: Array<[string, string]> = [
  ['rm injection', "'; rm -rf / #"],
  ['command substitution', '$(id)'],
  ['backticks', '`id`'],
  ['newlines', 'line1\nline2\n\nline4\n'],
  ['unicode', 'héllo wörld — 日本語 🚀'],
  ['empty string', ''],
  ['single quotes', "it's 'quoted' ''"],
  ['double quotes and backslashes', '"\\"\\\\n\\t'],
  ['glob and tilde', '* ? [a-z] ~ ~root'],
  ['variables', '$HOME ${PATH} $0 $$ $@'],
  ['history and operators', '!! ; && || | & > < >> 2>&1'],
  ['leading dash', '-n'],
  ['assignment-looking', 'A=b'],
  ['reserved word', 'if'],
  ['tabs and CR', '\ta\r\nb\t'],
  ['percent format', '%s %d %%'],
];
