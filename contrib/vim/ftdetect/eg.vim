" egressc policies: *.eg
autocmd BufRead,BufNewFile *.eg setfiletype eg
