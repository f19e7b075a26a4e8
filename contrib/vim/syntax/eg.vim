" Vim syntax file for egressc policies (egressc.eg(5)).
" Install: copy syntax/ and ftdetect/ into ~/.vim/ (or a package dir).
if exists("b:current_syntax")
  finish
endif

syn keyword egStatement allow deny define include use resolver dynamic
syn keyword egSetting default on-deny essentials mode log record
syn keyword egClause port proto timeout file user group cgroup during from
syn keyword egWord reject drop on off enforce monitor denied group tcp udp
syn match egComment "#.*$" contains=@Spell
syn region egString start=+"+ end=+"+ oneline
syn match egVariable "\$[A-Za-z_][A-Za-z0-9_-]*"
syn match egWildcard "\*\.[A-Za-z0-9_.-]\+"
syn match egAddress "\<\d\{1,3}\(\.\d\{1,3}\)\{3}\(/\d\+\)\?\>"
syn match egAddress "\<[0-9A-Fa-f:]*::\?[0-9A-Fa-f:.]*\(/\d\+\)\?"
syn match egDuration "\<\(\d\+[dhms]\)\+\>"

hi def link egStatement Statement
hi def link egSetting PreProc
hi def link egClause Keyword
hi def link egWord Constant
hi def link egComment Comment
hi def link egString String
hi def link egVariable Identifier
hi def link egWildcard Special
hi def link egAddress Number
hi def link egDuration Number

let b:current_syntax = "eg"
