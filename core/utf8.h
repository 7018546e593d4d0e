#pragma once

#include <QByteArrayView>

// Strict RFC 3629 UTF-8, by hand rather than with QStringDecoder, so that "is this valid?" has one
// unambiguous answer (no BOM swallowing, no replacement characters). The list parser, the list-file check and
// the file naming all judge bytes with this one function.
namespace heiko::utf8 {

// Decodes the sequence at the start of `s` (which is not empty). Returns its length and puts the code point
// in *codePoint, or returns 0 when it is not well-formed: truncated, overlong, a surrogate, above U+10FFFF.
inline qsizetype decode(QByteArrayView s, char32_t *codePoint)
{
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80) {
        *codePoint = b0;
        return 1;
    }
    qsizetype length = 0;
    char32_t cp = 0;
    char32_t minimum = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
        cp = b0 & 0x1Fu;
        minimum = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        cp = b0 & 0x0Fu;
        minimum = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        cp = b0 & 0x07u;
        minimum = 0x10000;
    } else {
        return 0;
    }
    if (s.size() < length)
        return 0;
    for (qsizetype i = 1; i < length; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if ((b & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *codePoint = cp;
    return length;
}

} // namespace heiko::utf8
