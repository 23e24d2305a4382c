/* test_heuristic_words — word splitting for the rules: the English tokenizer
 * against tokens spaCy 3.8's English tokenizer gives for the same strings
 * (recorded from datatrove's split_into_words, and the sentence counts from
 * split_into_sentences), Korean eojeol, CJK characters, word flags, and the
 * character-level sentence count of the other profiles. */
#include <stdio.h>
#include <string.h>

#include "filters/heuristic_words.h"
#include "tests/unit/check.h"

static rf_hwords W;

static void expect_words(const char *text, rf_words_mode mode, const char *want)
{
    rf_hwords_split(&W, text, strlen(text), mode);
    char got[2048];
    size_t o = 0;
    for (size_t i = 0; i < W.n && o + W.v[i].len + 2 < sizeof got; i++) {
        if (i)
            got[o++] = '|';
        memcpy(got + o, text + W.v[i].off, W.v[i].len);
        o += W.v[i].len;
    }
    got[o] = '\0';
    if (strcmp(got, want)) {
        fprintf(stderr, "words of '%s':\n  got  %s\n  want %s\n", text, got, want);
        check_failures++;
    }
    CHECK(rf_hwords_count(&W, text, strlen(text), mode) == W.n);
}

static void expect_sentences(const char *text, rf_words_mode mode, size_t want)
{
    size_t got = rf_hwords_sentences(&W, text, strlen(text), mode);
    if (got != want) {
        fprintf(stderr, "sentences of '%s': got %zu, want %zu\n", text, got, want);
        check_failures++;
    }
}

int main(void)
{
    rf_hwords_init(&W);
    /* spaCy's English tokens (affixes, infixes, special cases, URLs). */
    expect_words("Don't stop, it's 10km away (approx.)!", RF_WORDS_EN,
                 "Do|n't|stop|,|it|'s|10|km|away|(|approx|.|)|!");
    expect_words("Mr. Smith paid $5.00 for U.S. goods e.g. apples.", RF_WORDS_EN,
                 "Mr.|Smith|paid|$|5.00|for|U.S.|goods|e.g.|apples|.");
    expect_words("Visit https://www.example.com/path?x=1 or mail me@example.com.", RF_WORDS_EN,
                 "Visit|https://www.example.com/path?x=1|or|mail|me@example.com|.");
    expect_words("well-known re-entry state-of-the-art 3-4 1,000 pages", RF_WORDS_EN,
                 "well|-|known|re|-|entry|state|-|of|-|the|-|art|3|-|4|1,000|pages");
    expect_words("He said \"Hello...\" and left--quickly.", RF_WORDS_EN,
                 "He|said|\"|Hello|...|\"|and|left|--|quickly|.");
    expect_words("I'm sure you're right; we'll see. They've gone!", RF_WORDS_EN,
                 "I|'m|sure|you|'re|right|;|we|'ll|see|.|They|'ve|gone|!");
    expect_words("(8) :) <3 C++ and/or w/o", RF_WORDS_EN, "(|8)|:)|<3|C++|and/or|w/o");
    expect_words("o'clock 'em 'cause gonna cannot", RF_WORDS_EN, "o'clock|'em|'cause|gon|na|can|not");
    expect_words("10am 5p.m. 3\xc2\xb0" "C. 100% 20kg.", RF_WORDS_EN,
                 "10|am|5|p.m.|3|\xc2\xb0|C|.|100|%|20|kg|.");
    expect_words("End.Start lower.Upper a,b", RF_WORDS_EN, "End|.|Start|lower|.|Upper|a|,|b");
    /* Affixed ASCII words (the fast path for P? letters S?, and what must
     * fall back to the affix loop: special cases, upper-case periods). */
    expect_words("(it's it's, (don't) can't, (cannot cannot. gonna, (gonna) 'tis 'em, dogs' (dogs') dogs's",
                 RF_WORDS_EN,
                 "(|it|'s|it|'s|,|(|do|n't|)|ca|n't|,|(|can|not|can|not|.|gon|na|,|(|gon|na|)|'|tis|'em|,|dogs|'|(|dogs|'|)|dogs|'s");
    expect_words("(Hello) \"Hello\" 'Hello' Hello; Hello: Hello! Hello? word. Word. WORD. wordA. aB. AB. I. a. e. (a) (I) 'a' \"I\"",
                 RF_WORDS_EN,
                 "(|Hello|)|\"|Hello|\"|'|Hello|'|Hello|;|Hello|:|Hello|!|Hello|?|word|.|Word|.|WORD|.|wordA.|aB.|AB|.|I.|a.|e.|(|a|)|(|I|)|'|a|'|\"|I|\"");
    expect_words("(etc. etc., Mr. (Mr. Mrs, (U (US) US. USA. U.S., Inc. inc. vs. (vs. Jan. (Jan feb. 's 'S (s) He's (He's She'S",
                 RF_WORDS_EN,
                 "(|etc|.|etc|.|,|Mr.|(|Mr.|Mrs|,|(|U|(|US|)|US|.|USA|.|U.S.|,|Inc.|inc|.|vs.|(|vs.|Jan.|(|Jan|feb|.|'s|'S|(|s|)|He|'s|(|He|'s|She|'S");
    expect_words("(word's) word's, \"word's\" 'words' (ok) ok. OK. ok! (ain't) ain't. y'all, Y'all (ma'am) o'clock, (o'clock",
                 RF_WORDS_EN,
                 "(|word|'s|)|word|'s|,|\"|word|'s|\"|'|words|'|(|ok|)|ok|.|OK|.|ok|!|(|ai|n't|)|ai|n't|.|y'|all|,|Y'all|(|ma'am|)|o'clock|,|(|o'clock");
    expect_words("(1) x) (x (x. x.) 'x' x' ' '' (' ') word') word\") \"word) (word\"",
                 RF_WORDS_EN,
                 "(|1|)|x|)|(|x|(|x.|x.|)|'|x|'|x|'|'|''|(|'|'|)|word|'|)|word|\"|)|\"|word|)|(|word|\"");
    expect_words("Yall yall Y\xe2\x80\x99" "all y\xe2\x80\x99" "all Y'all y'all how'd'y How'd'y not've Not've notve Notve NOTVE",
                 RF_WORDS_EN,
                 "Yall|y|all|Y\xe2\x80\x99" "all|y\xe2\x80\x99|all|Y'all|y'|all|how|'d|'y|How|'d|'y|not|'ve|Not|'ve|not|ve|Not|ve|NOTVE");
    expect_words("  spaced\tout\xc2\xa0words  ", RF_WORDS_EN, "spaced|out|words");
    expect_words("한국어 문장도 된다. 그렇다!", RF_WORDS_EN, "한국어|문장도|된다|.|그렇다|!");
    expect_words("", RF_WORDS_EN, "");

    /* Korean: eojeol, punctuation attached. */
    expect_words("서울시는 새 도로를 만든다. 정말?", RF_WORDS_SPACE, "서울시는|새|도로를|만든다.|정말?");
    /* CJK: one word per Han or Kana character; Hangul and Latin stay whole. */
    expect_words("東京は雨。Tokyo 비가 온다", RF_WORDS_CJK, "東|京|は|雨|。Tokyo|비가|온다");

    /* Flags: a letter; a character outside datatrove's punctuation set. */
    const char *fl = "abc 123 ... -- 가나 #1";
    rf_hwords_split(&W, fl, strlen(fl), RF_WORDS_SPACE);
    CHECK(W.n == 6);
    CHECK(W.v[0].flags == (RF_HW_ALPHA | RF_HW_NONSYM) && W.v[0].cps == 3);
    CHECK(W.v[1].flags == RF_HW_NONSYM);
    CHECK(W.v[2].flags == 0 && W.v[3].flags == 0);
    CHECK(W.v[4].flags == (RF_HW_ALPHA | RF_HW_NONSYM) && W.v[4].cps == 2);
    CHECK(W.v[5].flags == RF_HW_NONSYM);

    /* Sentences (spaCy's sentencizer for English). */
    expect_sentences("I'm sure you're right; we'll see. They've gone!", RF_WORDS_EN, 2);
    expect_sentences("10am 5p.m. 3\xc2\xb0" "C. 100% 20kg.", RF_WORDS_EN, 2);
    expect_sentences("End.Start lower.Upper a,b", RF_WORDS_EN, 3);
    expect_sentences("He left. \"Why?\" she asked. Nobody knew.", RF_WORDS_EN, 4);
    expect_sentences("One.  Two.", RF_WORDS_EN, 2); /* a double space is a token too */
    expect_sentences("한국어 문장도 된다. 그렇다!", RF_WORDS_EN, 2);
    /* Character level elsewhere. */
    expect_sentences("첫 문장이다. 둘째 문장이다! 셋째는 \"인용\"이다.", RF_WORDS_SPACE, 3);
    expect_sentences("끝이 없다...", RF_WORDS_SPACE, 1);
    expect_sentences("今天很好。我们去公园！好吗？", RF_WORDS_CJK, 3);
    expect_sentences("   ", RF_WORDS_SPACE, 0);

    CHECK(rf_hw_is_sent_terminal('.') && rf_hw_is_sent_terminal(0x3002) && !rf_hw_is_sent_terminal(','));
    CHECK(rf_hw_is_dt_punct('#') && rf_hw_is_dt_punct(0x2026) && !rf_hw_is_dt_punct('a') &&
          !rf_hw_is_dt_punct('\n') && rf_hw_is_dt_punct(0x85));
    CHECK(rf_hw_is_alpha(0xAC00) && rf_hw_is_alpha(0x3131) && !rf_hw_is_alpha('1'));
    CHECK(rf_hw_is_py_space(0x1C) && rf_hw_is_py_space(0x3000) && !rf_hw_is_py_space(0x200B));
    rf_hwords_release(&W);
    return CHECK_DONE();
}
