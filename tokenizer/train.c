/* train.c — placeholder */
#include <stdio.h>
#include "tokenizer/tokenize_stage.h"
int rf_tokenize_train_main(int argc, char **argv) { (void)argc; (void)argv; return 1; }
