#include "filenaming.h"

#include "asciichars.h"
#include "utf8.h"

#include <QChar>
#include <QLatin1StringView>
#include <QRegularExpression>
#include <QStringList>
#include <QStringView>
#include <QVarLengthArray>

#include <algorithm>
#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

namespace heiko::naming {

namespace {

// An "extension" longer than this is just part of the name (".averyveryveryverylongsuffix..." is no
// file type), so cutting does not try to keep it.
constexpr qsizetype kMaxExtensionBytes = 32;

// UAX #15 stream-safe text: no real text needs more than 30 non-starters in a row. Qt's canonical
// reordering is quadratic in the length of such a run, so longer runs ("zalgo" text) are cut to this.
constexpr int kMaxNonStarterRun = 30;

// ---------------------------------------------------------------------------------------------------------
// Small helpers shared by all functions.

bool isAsciiAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 9110 tchar.
bool isTokenChar(char c)
{
    if (isAsciiAlnum(c))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

// RFC 8187 attr-char: a tchar without '*', '\'' and '%'.
bool isAttrChar(char c)
{
    return isTokenChar(c) && c != '*' && c != '\'' && c != '%';
}

bool asciiEqualsIgnoringCase(QByteArrayView a, QLatin1StringView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i].toLatin1();
        if (x >= 'A' && x <= 'Z')
            x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = char(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

void appendCodePoint(QString &out, char32_t cp)
{
    if (QChar::requiresSurrogates(cp)) {
        out.append(QChar(QChar::highSurrogate(cp)));
        out.append(QChar(QChar::lowSurrogate(cp)));
    } else {
        out.append(QChar(char16_t(cp)));
    }
}

// Strict UTF-8 (utf8.h), or nothing.
std::optional<QString> decodeUtf8Strict(QByteArrayView bytes)
{
    QString out;
    out.reserve(bytes.size());
    for (qsizetype i = 0; i < bytes.size();) {
        char32_t cp = 0;
        const qsizetype length = utf8::decode(bytes.sliced(i), &cp);
        if (length == 0)
            return std::nullopt;
        appendCodePoint(out, cp);
        i += length;
    }
    return out;
}

// Servers put raw bytes into quoted filenames. Browsers take them as UTF-8 when they are valid UTF-8,
// which is what servers mean nowadays; anything else is taken as ISO-8859-1 as RFC 9110 says.
QString decodeUtf8OrLatin1(QByteArrayView bytes)
{
    if (std::optional<QString> utf8 = decodeUtf8Strict(bytes))
        return *utf8;
    return QString::fromLatin1(bytes.data(), bytes.size());
}

int utf8Length(char32_t cp)
{
    if (cp < 0x80)
        return 1;
    if (cp < 0x800)
        return 2;
    if (cp < 0x10000)
        return 3;
    return 4;
}

// Calls f(codePoint, unitIndex, unitLength) for every code point; a lone surrogate is reported as the
// surrogate value itself with length 1 (callers decide whether to drop it).
template<typename F> void forEachCodePoint(QStringView s, F &&f)
{
    const qsizetype n = s.size();
    qsizetype i = 0;
    while (i < n) {
        const char16_t u = s[i].unicode();
        if (QChar::isHighSurrogate(u) && i + 1 < n && QChar::isLowSurrogate(s[i + 1].unicode())) {
            if (!f(QChar::surrogateToUcs4(u, s[i + 1].unicode()), i, qsizetype(2)))
                return;
            i += 2;
        } else {
            if (!f(char32_t(u), i, qsizetype(1)))
                return;
            ++i;
        }
    }
}

qsizetype utf8Size(QStringView s)
{
    qsizetype bytes = 0;
    // A lone surrogate counts as 3 bytes: that is what any encoder writes for it (U+FFFD).
    forEachCodePoint(s, [&bytes](char32_t cp, qsizetype, qsizetype) {
        bytes += utf8Length(cp);
        return true;
    });
    return bytes;
}

// The longest prefix of s that fits into maxBytes of UTF-8, never splitting a surrogate pair.
QStringView prefixWithinBytes(QStringView s, qsizetype maxBytes)
{
    qsizetype bytes = 0;
    qsizetype end = 0;
    forEachCodePoint(s, [&](char32_t cp, qsizetype index, qsizetype length) {
        const int size = utf8Length(cp);
        if (bytes + size > maxBytes)
            return false;
        bytes += size;
        end = index + length;
        return true;
    });
    return s.first(end);
}

bool isTrimmedAtEnd(QChar c)
{
    return c == u'.' || c.isSpace();
}

void trimEnd(QString &s)
{
    qsizetype end = s.size();
    while (end > 0 && isTrimmedAtEnd(s[end - 1]))
        --end;
    s.truncate(end);
}

void trimBothEnds(QString &s)
{
    trimEnd(s);
    qsizetype begin = 0;
    while (begin < s.size() && isTrimmedAtEnd(s[begin]))
        ++begin;
    s.remove(0, begin);
}

// Where the extension starts (the index of its '.'), or -1. "a.tar.gz" gives the ".tar.gz" so that
// numbering and cutting keep a compound archive extension together. A name's leading dot does not
// start an extension, and a suffix longer than kMaxExtensionBytes is not one.
qsizetype extensionStart(QStringView name)
{
    const qsizetype dot = name.lastIndexOf(u'.');
    if (dot <= 0 || dot == name.size() - 1)
        return -1;
    qsizetype start = dot;
    const QStringView last = name.sliced(dot + 1);
    const bool compressed = last.compare("gz"_L1, Qt::CaseInsensitive) == 0
        || last.compare("bz2"_L1, Qt::CaseInsensitive) == 0 || last.compare("xz"_L1, Qt::CaseInsensitive) == 0
        || last.compare("zst"_L1, Qt::CaseInsensitive) == 0;
    if (compressed && dot > 4 && name.sliced(dot - 4, 4).compare(".tar"_L1, Qt::CaseInsensitive) == 0)
        start = dot - 4;
    if (utf8Size(name.sliced(start)) > kMaxExtensionBytes)
        return -1;
    return start;
}

// ---------------------------------------------------------------------------------------------------------
// Sanitising.

bool isInvisibleFiller(char32_t cp)
{
    // Hangul fillers are letters (Lo) that render as nothing: as good as a format character for spoofing.
    return cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0;
}

bool isUnsafeCodePoint(char32_t cp)
{
    if (cp >= 0xD800 && cp <= 0xDFFF) // lone surrogate: not representable in UTF-8
        return true;
    switch (QChar::category(cp)) {
    case QChar::Other_Control: // C0, DEL, C1: NUL, ESC (terminal escapes), CR/LF ...
    case QChar::Other_Format: // bidi overrides and isolates, LRM/RLM/ALM, zero-width characters, BOM
    case QChar::Other_Surrogate:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return true;
    default:
        break;
    }
    return QChar::isNonCharacter(cp) || isInvisibleFiller(cp);
}

bool isReplacedCharacter(char32_t cp)
{
    switch (cp) {
    case '<':
    case '>':
    case ':':
    case '"':
    case '/':
    case '\\':
    case '|':
    case '?':
    case '*':
        return true;
    default:
        return false;
    }
}

// Appends the full canonical decomposition of cp; Qt's table is one level deep (U+1F87 -> U+1F07 U+0345).
void appendCanonicalDecomposition(char32_t cp, QVarLengthArray<char32_t, 8> &out, int depth = 0)
{
    if (depth > 8 || QChar::decompositionTag(cp) != QChar::Canonical) {
        out.append(cp);
        return;
    }
    const QString decomposition = QChar::decomposition(cp);
    if (decomposition.isEmpty()) {
        out.append(cp);
        return;
    }
    forEachCodePoint(decomposition, [&](char32_t part, qsizetype, qsizetype) {
        appendCanonicalDecomposition(part, out, depth + 1);
        return true;
    });
}

// How a code point extends or ends a run of non-starters, counted in its canonical decomposition as
// UAX #15 does: U+0F73 is a starter (ccc 0) that decomposes into two non-starters.
struct NonStarters
{
    bool onlyNonStarters = false;
    int count = 0; // all of them if onlyNonStarters, else the trailing ones
};

NonStarters nonStartersOf(char32_t cp)
{
    if (cp < 0x80)
        return {};
    QVarLengthArray<char32_t, 8> decomposed;
    appendCanonicalDecomposition(cp, decomposed);
    NonStarters result { true, 0 };
    for (char32_t part : decomposed) {
        if (QChar::combiningClass(part) != 0) {
            ++result.count;
        } else {
            result.onlyNonStarters = false;
            result.count = 0;
        }
    }
    return result;
}

enum class NonStarterRuns { Limit, Keep };

// Drops unsafe code points and replaces the characters Windows forbids, in one linear pass. Before
// normalising, runs of non-starters are limited as well (counted in decomposed form, so that a second
// pass over the NFC result finds nothing more to drop).
QString filterCharacters(QStringView in, NonStarterRuns runs)
{
    QString out;
    out.reserve(in.size());
    int run = 0;
    forEachCodePoint(in, [&](char32_t cp, qsizetype, qsizetype) {
        if (isUnsafeCodePoint(cp))
            return true;
        if (isReplacedCharacter(cp)) {
            out.append(u'_');
            run = 0;
            return true;
        }
        if (runs == NonStarterRuns::Limit) {
            const NonStarters nonStarters = nonStartersOf(cp);
            if (nonStarters.onlyNonStarters) {
                if (run + nonStarters.count > kMaxNonStarterRun)
                    return true;
                run += nonStarters.count;
            } else {
                run = nonStarters.count;
            }
        }
        appendCodePoint(out, cp);
        return true;
    });
    return out;
}

// Windows opens a device instead of a file for these, whatever the extension and the case
// ("nul.txt", "Com1.tar.gz"); trailing spaces before the dot do not help either.
bool isWindowsReservedName(QStringView name)
{
    QStringView base = name;
    const qsizetype dot = base.indexOf(u'.');
    if (dot >= 0)
        base = base.first(dot);
    while (!base.isEmpty() && base.back() == u' ')
        base.chop(1);
    static constexpr QLatin1StringView kExact[]
        = { "CON"_L1, "PRN"_L1, "AUX"_L1, "NUL"_L1, "CONIN$"_L1, "CONOUT$"_L1, "CLOCK$"_L1 };
    for (QLatin1StringView reserved : kExact) {
        if (base.compare(reserved, Qt::CaseInsensitive) == 0)
            return true;
    }
    if (base.size() == 4
        && (base.first(3).compare("COM"_L1, Qt::CaseInsensitive) == 0
            || base.first(3).compare("LPT"_L1, Qt::CaseInsensitive) == 0)) {
        const char16_t digit = base[3].unicode();
        // Windows also maps the superscript digits to COM¹ ... LPT³.
        return (digit >= u'0' && digit <= u'9') || digit == 0x00B9 || digit == 0x00B2 || digit == 0x00B3;
    }
    return false;
}

// Cuts s to maxBytes of UTF-8, keeping the extension when there is a sane one and room for it.
QString cutToBytes(const QString &s, qsizetype maxBytes)
{
    if (maxBytes <= 0)
        return {};
    if (utf8Size(s) <= maxBytes)
        return s;
    const qsizetype ext = extensionStart(s);
    if (ext > 0) {
        const QStringView extension = QStringView(s).sliced(ext);
        const qsizetype extensionBytes = utf8Size(extension);
        if (extensionBytes < maxBytes) {
            QString stem = prefixWithinBytes(QStringView(s).first(ext), maxBytes - extensionBytes).toString();
            trimEnd(stem);
            if (!stem.isEmpty())
                return stem + extension;
        }
    }
    QString cut = prefixWithinBytes(s, maxBytes).toString();
    trimEnd(cut);
    return cut;
}

// ---------------------------------------------------------------------------------------------------------
// Content-Disposition (RFC 6266, RFC 8187, checked against tc2231).

// RFC 8187 ext-value: charset "'" [ language ] "'" value-chars. Only UTF-8 and ISO-8859-1 are required
// by RFC 8187; US-ASCII is their common subset. Anything else is not understood and thus ignored.
std::optional<QString> decodeExtValue(QByteArrayView value)
{
    qsizetype firstQuote = -1;
    qsizetype secondQuote = -1;
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value[i] != '\'')
            continue;
        if (firstQuote < 0) {
            firstQuote = i;
        } else {
            secondQuote = i;
            break;
        }
    }
    if (firstQuote <= 0 || secondQuote < 0)
        return std::nullopt;
    const QByteArrayView charset = value.first(firstQuote);
    const QByteArrayView language = value.sliced(firstQuote + 1, secondQuote - firstQuote - 1);
    for (char c : language) {
        if (!isAsciiAlnum(c) && c != '-')
            return std::nullopt;
    }

    QByteArray bytes;
    bytes.reserve(value.size() - secondQuote);
    for (qsizetype i = secondQuote + 1; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '%') {
            if (i + 2 >= value.size())
                return std::nullopt;
            const int high = ascii::hexValue(value[i + 1]);
            const int low = ascii::hexValue(value[i + 2]);
            if (high < 0 || low < 0)
                return std::nullopt;
            bytes.append(char(high * 16 + low));
            i += 2;
        } else if (isAttrChar(c)) {
            bytes.append(c);
        } else {
            return std::nullopt;
        }
    }

    if (asciiEqualsIgnoringCase(charset, "utf-8"_L1))
        return decodeUtf8Strict(bytes);
    if (asciiEqualsIgnoringCase(charset, "iso-8859-1"_L1)) {
        // 0x80-0x9F are not printable ISO-8859-1; seeing them means the bytes are in another charset
        // (tc2231 attwithfn2231utf8-bad), so the value is not trusted.
        for (char c : std::as_const(bytes)) {
            const auto b = static_cast<unsigned char>(c);
            if (b >= 0x80 && b <= 0x9F)
                return std::nullopt;
        }
        return QString::fromLatin1(bytes);
    }
    if (asciiEqualsIgnoringCase(charset, "us-ascii"_L1)) {
        for (char c : std::as_const(bytes)) {
            if (static_cast<unsigned char>(c) >= 0x80)
                return std::nullopt;
        }
        return QString::fromLatin1(bytes);
    }
    return std::nullopt;
}

// A strict single-pass reader of the RFC 6266 grammar:
//   disposition-type *( OWS ";" OWS token OWS "=" OWS ( token / quoted-string ) ) OWS
class DispositionParser final
{
public:
    explicit DispositionParser(QByteArrayView header)
        : m_in(header)
    { }

    // The chosen file name, or nullopt for a malformed header.
    std::optional<QString> parse()
    {
        skipWhitespace();
        if (readToken().isEmpty())
            return std::nullopt;
        skipWhitespace();

        std::optional<QByteArray> plainName;
        std::optional<QByteArray> extendedValue; // raw ext-value, or the marker for "present but quoted"
        bool extendedWasQuoted = false;
        while (m_pos < m_in.size()) {
            if (m_in[m_pos] != ';')
                return std::nullopt;
            ++m_pos;
            skipWhitespace();
            // A semicolon at the very end after a parameter ("filename=\"a.pdf\";", as PHP scripts send it)
            // ends the header, as browsers read it; an empty parameter anywhere else is malformed.
            if (m_pos == m_in.size() && (plainName || extendedValue))
                break;
            const QByteArrayView name = readToken();
            if (name.isEmpty())
                return std::nullopt; // "attachment;" and "attachment; ;filename=foo"
            skipWhitespace();
            if (m_pos >= m_in.size() || m_in[m_pos] != '=')
                return std::nullopt; // "filename *=..." and "attachment; inline; ..."
            ++m_pos;
            skipWhitespace();
            QByteArray value;
            bool quoted = false;
            if (m_pos < m_in.size() && m_in[m_pos] == '"') {
                std::optional<QByteArray> unquoted = readQuotedString();
                if (!unquoted)
                    return std::nullopt;
                value = std::move(*unquoted);
                quoted = true;
            } else {
                // A token, or raw UTF-8 unquoted ("filename=\xe5\x9c\x8b.pdf"): not RFC 6266, but servers
                // send it and browsers take it; the bytes are decoded as a quoted value's are.
                const QByteArrayView token = readToken(AllowNonAscii::Yes);
                if (token.isEmpty())
                    return std::nullopt; // "filename=", "filename=foo[1].html" ...
                value = token.toByteArray();
            }
            skipWhitespace();

            // Only the two parameters we use are checked for duplicates: a header naming two different
            // files is ambiguous (tc2231 attwith2filenames); unknown parameters are ignored, including
            // RFC 2231 continuations ("filename*0"), which RFC 6266 does not allow.
            if (asciiEqualsIgnoringCase(name, "filename"_L1)) {
                if (plainName)
                    return std::nullopt;
                plainName = std::move(value);
            } else if (asciiEqualsIgnoringCase(name, "filename*"_L1)) {
                if (extendedValue)
                    return std::nullopt;
                extendedValue = std::move(value);
                extendedWasQuoted = quoted;
            }
        }

        // RFC 6266 4.3: filename* wins; an ext-value that does not decode (or arrives as a
        // quoted-string, tc2231 attwithfn2231quot) is ignored and filename is used.
        if (extendedValue && !extendedWasQuoted) {
            if (std::optional<QString> decoded = decodeExtValue(*extendedValue);
                decoded && !decoded->isEmpty())
                return decoded;
        }
        if (plainName)
            return decodeUtf8OrLatin1(*plainName);
        return QString();
    }

private:
    void skipWhitespace()
    {
        while (m_pos < m_in.size() && (m_in[m_pos] == ' ' || m_in[m_pos] == '\t'))
            ++m_pos;
    }

    enum class AllowNonAscii { No, Yes };
    QByteArrayView readToken(AllowNonAscii nonAscii = AllowNonAscii::No)
    {
        const qsizetype begin = m_pos;
        while (m_pos < m_in.size()
               && (isTokenChar(m_in[m_pos])
                   || (nonAscii == AllowNonAscii::Yes && static_cast<unsigned char>(m_in[m_pos]) >= 0x80)))
            ++m_pos;
        return m_in.sliced(begin, m_pos - begin);
    }

    // RFC 9110 quoted-string; the opening quote is at m_pos. Control characters other than HTAB, and a
    // missing closing quote, make the header malformed.
    std::optional<QByteArray> readQuotedString()
    {
        QByteArray out;
        ++m_pos;
        while (m_pos < m_in.size()) {
            const auto c = static_cast<unsigned char>(m_in[m_pos]);
            if (c == '"') {
                ++m_pos;
                return out;
            }
            if (c == '\\') {
                if (m_pos + 1 >= m_in.size())
                    return std::nullopt;
                const auto escaped = static_cast<unsigned char>(m_in[m_pos + 1]);
                if ((escaped < 0x20 && escaped != '\t') || escaped == 0x7F)
                    return std::nullopt;
                out.append(char(escaped));
                m_pos += 2;
                continue;
            }
            if ((c < 0x20 && c != '\t') || c == 0x7F)
                return std::nullopt;
            out.append(char(c));
            ++m_pos;
        }
        return std::nullopt;
    }

    QByteArrayView m_in;
    qsizetype m_pos = 0;
};

} // namespace

QString fileNameFromContentDisposition(QByteArrayView headerValue)
{
    return DispositionParser(headerValue).parse().value_or(QString());
}

QString fileNameFromUrl(const QUrl &url)
{
    // Take the last segment of the *encoded* path and only then decode it: a "%2F" inside the segment
    // then stays inside this name ("..%2F..%2Fetc%2Fpasswd" -> "../../etc/passwd"), where the sanitiser
    // reduces it to its last component, instead of QUrl's fully decoded path inventing new segments.
    const QString path = url.path(QUrl::FullyEncoded);
    const qsizetype slash = path.lastIndexOf(u'/');
    QString segment = path.sliced(slash + 1);
    // Path parameters ("f.zip;jsessionid=...", often a session token) are not part of the name, as browsers
    // read it; an encoded "%3B" is.
    const QString scheme = url.scheme();
    if (scheme.compare(u"http"_s, Qt::CaseInsensitive) == 0
        || scheme.compare(u"https"_s, Qt::CaseInsensitive) == 0) {
        const qsizetype semicolon = segment.indexOf(u';');
        if (semicolon >= 0)
            segment.truncate(semicolon);
    }
    if (segment.isEmpty())
        return {};
    return decodeUtf8OrLatin1(QByteArray::fromPercentEncoding(segment.toLatin1()));
}

QString sanitizeFileName(const QString &name, int maxUtf8Bytes)
{
    if (maxUtf8Bytes <= 0)
        return {};

    // A name that is a path keeps its last component; both separators count on every platform because
    // a name made on one system is saved on another.
    QStringView component = name;
    const qsizetype separator = std::max(component.lastIndexOf(u'/'), component.lastIndexOf(u'\\'));
    if (separator >= 0)
        component = component.sliced(separator + 1);

    // Most names are printable ASCII that Windows allows: both filters and NFC leave such a name as it is, so
    // it skips them (three names are looked at for every download).
    const bool plainAscii = std::all_of(component.cbegin(), component.cend(), [](QChar c) {
        const char16_t u = c.unicode();
        return u >= 0x20 && u < 0x7f && !isReplacedCharacter(u);
    });
    QString s = plainAscii ? component.toString() : filterCharacters(component, NonStarterRuns::Limit);
    trimBothEnds(s);

    if (!plainAscii) {
        // Normalising a huge string costs time for nothing: only a head of the name and its extension can
        // survive the cut. NFC may merge a few code points into one, so the head keeps a generous margin.
        const qsizetype headUnits = 4 * qsizetype(maxUtf8Bytes) + 64;
        if (s.size() > headUnits + 2 * kMaxExtensionBytes) {
            qsizetype head = headUnits;
            if (s[head - 1].isHighSurrogate())
                --head;
            const qsizetype ext = extensionStart(s);
            s = ext > head ? QString(s.first(head) + QStringView(s).sliced(ext)) : s.first(head);
        }

        s = s.normalized(QString::NormalizationForm_C);
        // NFC maps a few characters onto others (U+037E GREEK QUESTION MARK becomes ';'); check again.
        s = filterCharacters(s, NonStarterRuns::Keep);
        trimBothEnds(s);
    }

    s = cutToBytes(s, maxUtf8Bytes);
    if (isWindowsReservedName(s))
        s = cutToBytes(u'_' + s, maxUtf8Bytes);
    return s;
}

QString chooseFileName(QByteArrayView contentDisposition, const QUrl &url)
{
    QString name = sanitizeFileName(fileNameFromContentDisposition(contentDisposition));
    if (name.isEmpty())
        name = sanitizeFileName(fileNameFromUrl(url));
    if (name.isEmpty())
        name = u"download"_s;
    return name;
}

QString numberedFileName(const QString &name, int n)
{
    QStringView stem = name;
    QStringView extension;
    if (const qsizetype ext = extensionStart(name); ext > 0) {
        stem = QStringView(name).first(ext);
        extension = QStringView(name).sliced(ext);
    }
    const QString suffix = n > 0 ? QString(u" ("_s + QString::number(n) + u')') : QString();

    const qsizetype limit = qsizetype(kMaxNameBytes) + 7;
    const qsizetype fixedBytes = utf8Size(suffix) + utf8Size(extension);
    if (utf8Size(stem) + fixedBytes > limit)
        stem = prefixWithinBytes(stem, limit - fixedBytes);
    return stem + suffix + extension;
}

QString safeSubfolder(const QString &relativePath)
{
    const QString path = relativePath.trimmed();
    if (path.isEmpty() || path.startsWith(u'/') || path.startsWith(u'\\')
        || (path.size() >= 2 && path.at(1) == u':')) // absolute, UNC or a Windows drive
        return {};
    QStringList parts;
    for (const QString &component : path.split(QRegularExpression(u"[/\\\\]+"_s), Qt::SkipEmptyParts)) {
        const QString trimmed = component.trimmed();
        if (trimmed == u"."_s)
            continue;
        if (trimmed == u".."_s)
            return {};
        const QString safe = sanitizeFileName(trimmed);
        if (safe.isEmpty())
            return {};
        parts.append(safe);
    }
    return parts.join(u'/');
}

} // namespace heiko::naming
