#include "urllist.h"

#include "textlines.h"
#include "utf8.h"

#include <QChar>
#include <QVarLengthArray>

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

// Rejected::text is for a log line or a tooltip: long enough to recognise the line, short enough to show.
constexpr qsizetype kShownChars = 120;
// An option key named in a reason is shown shorter still.
constexpr qsizetype kShownKeyChars = 40;
// A hostile list can hold tens of millions of bad lines; storing a Rejected for each would cost gigabytes
// for a few hundred megabytes of input. Past this many, one summary entry stands for the rest.
constexpr qsizetype kMaxReported = UrlList::kMaxReported;
constexpr QLatin1StringView kRejectedSummary(" more rejected lines are not listed");
constexpr QLatin1StringView kWarningsSummary(" more warnings are not listed");
// Userinfo masks beyond this many cannot show up in kShownChars of output ("***" each).
constexpr qsizetype kMaxMasks = kShownChars / 3 + 1;

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

bool isAsciiAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool isSchemeChar(char c)
{
    return isAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

QByteArrayView trimmed(QByteArrayView s)
{
    qsizetype begin = 0;
    qsizetype end = s.size();
    while (begin < end && isBlank(s[begin]))
        ++begin;
    while (end > begin && isBlank(s[end - 1]))
        --end;
    return s.sliced(begin, end - begin);
}

// The UTF-8 length of the Unicode space (a Zs, Zl or Zp character other than U+0020) that `s` starts with,
// or 0; `codePoint` gets the character. Copied text brings them along: a no-break space from a web page, an
// ideographic space between two links in CJK text.
qsizetype unicodeSpaceAt(QByteArrayView s, char32_t *codePoint = nullptr)
{
    const auto byte = [&](qsizetype i) {
        return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u;
    };
    char32_t c = 0;
    qsizetype length = 0;
    if (byte(0) == 0xC2 && byte(1) == 0xA0) {
        c = 0xA0;
        length = 2;
    } else if (byte(0) == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) {
        c = 0x1680;
        length = 3;
    } else if (byte(0) == 0xE2 && byte(1) == 0x80
               && (byte(2) <= 0x8A || byte(2) == 0xA8 || byte(2) == 0xA9 || byte(2) == 0xAF)
               && byte(2) >= 0x80) {
        c = 0x2000 + (byte(2) - 0x80);
        length = 3;
    } else if (byte(0) == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) {
        c = 0x205F;
        length = 3;
    } else if (byte(0) == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) {
        c = 0x3000;
        length = 3;
    }
    if (codePoint != nullptr)
        *codePoint = c;
    return length;
}

// `s` without Unicode spaces at either end (what a copy from a web page or a document adds).
QByteArrayView trimmedUnicodeSpaces(QByteArrayView s)
{
    while (const qsizetype length = unicodeSpaceAt(s))
        s = s.sliced(length);
    for (bool more = true; more;) {
        more = false;
        for (const qsizetype length : { 2, 3 }) {
            if (s.size() >= length && unicodeSpaceAt(s.last(length)) == length) {
                s.chop(length);
                more = true;
                break;
            }
        }
    }
    return s;
}

int toLineNumber(qsizetype n)
{
    return static_cast<int>(std::min<qsizetype>(n, INT_MAX));
}

// C0, DEL and C1: what terminals and log viewers interpret instead of showing.
bool isControl(char32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Bidi overrides, zero-width characters and line separators are invisible or reorder what follows;
// in a line shown to the user they are spelled out.
bool isInvisible(char32_t cp)
{
    const QChar::Category category = QChar::category(cp);
    return category == QChar::Other_Format || category == QChar::Separator_Line
        || category == QChar::Separator_Paragraph;
}

enum class TextProblem { None, InvalidUtf8, Control };

TextProblem checkText(QByteArrayView s, bool tabAllowed)
{
    qsizetype i = 0;
    while (i < s.size()) {
        char32_t cp = 0;
        const qsizetype length = utf8::decode(s.sliced(i), &cp);
        if (length == 0)
            return TextProblem::InvalidUtf8;
        if (isControl(cp) && !(tabAllowed && cp == '\t'))
            return TextProblem::Control;
        i += length;
    }
    return TextProblem::None;
}

struct Range
{
    qsizetype begin = 0;
    qsizetype end = 0;
};
using Masks = QVarLengthArray<Range, 4>;

// The passwords in a line, found without trusting it to be a URL: in every stretch between '/', '\\',
// '?', '#' and TAB (so the authority of each URL, and of each mirror), the bytes between the first ':'
// and the last '@' after it. That covers "user:pass@host", a password containing '@' or a space, and a
// line with no scheme; it may also hide a "name:x@y" that was not a password, which is the safe side.
Masks passwordRanges(QByteArrayView line)
{
    Masks masks;
    qsizetype segmentStart = 0;
    qsizetype maskedBytes = 0;
    qsizetype firstColon = -1;
    qsizetype lastAt = -1;
    for (qsizetype i = 0; i <= line.size(); ++i) {
        const char c = i < line.size() ? line[i] : '/';
        if (c == ':' && firstColon < 0) {
            firstColon = i;
        } else if (c == '@' && firstColon >= 0) {
            lastAt = i;
        } else if (c == '/' || c == '\\' || c == '?' || c == '#' || c == '\t') {
            if (lastAt > firstColon + 1) {
                masks.append({ firstColon + 1, lastAt });
                maskedBytes += lastAt - firstColon - 1;
            }
            firstColon = -1;
            lastAt = -1;
            segmentStart = i + 1;
            // Every byte outside a mask is at least one character of output: past this point nothing
            // more can be shown, so a huge line is not scanned to its end for nothing.
            if (masks.size() >= kMaxMasks || segmentStart - maskedBytes > kShownChars)
                break;
        }
    }
    return masks;
}

// The longest piece one step of printable() emits: a 4-byte control sequence as \xNN four times.
constexpr qsizetype kLongestPiece = 16;

qsizetype appendHexByte(char16_t *piece, qsizetype length, uchar b)
{
    static constexpr char16_t digits[] = u"0123456789ABCDEF";
    piece[length++] = u'\\';
    piece[length++] = u'x';
    piece[length++] = digits[b >> 4];
    piece[length++] = digits[b & 0x0F];
    return length;
}

// The line as a user can read it: control bytes and bytes that are not UTF-8 as \xNN, invisible
// formatting characters as \u{NNNN}, passwords as ***, at most maxChars characters and then "…". Reads
// only as much of the line as it shows, so a huge line costs no more than a short one.
QString printable(QByteArrayView line, const Masks &masks, qsizetype maxChars = kShownChars)
{
    QString out;
    out.reserve(std::min(line.size(), maxChars) + 1);
    qsizetype maskIndex = 0;
    qsizetype i = 0;
    while (i < line.size()) {
        char16_t piece[kLongestPiece];
        qsizetype length = 0;
        qsizetype consumed = 0;
        if (maskIndex < masks.size() && masks[maskIndex].begin <= i) {
            for (qsizetype k = 0; k < 3; ++k)
                piece[length++] = u'*';
            consumed = std::max<qsizetype>(masks[maskIndex].end - i, 1);
            ++maskIndex;
        } else {
            char32_t cp = 0;
            consumed = utf8::decode(line.sliced(i), &cp);
            if (consumed == 0) {
                consumed = 1;
                length = appendHexByte(piece, length, static_cast<uchar>(line[i]));
            } else if (isControl(cp)) {
                for (qsizetype k = 0; k < consumed; ++k)
                    length = appendHexByte(piece, length, static_cast<uchar>(line[i + k]));
            } else if (isInvisible(cp)) {
                const QString hex = u"\\u{"_s + QString::number(cp, 16).toUpper() + u'}';
                for (const QChar c : hex)
                    piece[length++] = c.unicode();
            } else if (QChar::requiresSurrogates(cp)) {
                piece[length++] = QChar::highSurrogate(cp);
                piece[length++] = QChar::lowSurrogate(cp);
            } else {
                piece[length++] = static_cast<char16_t>(cp);
            }
        }
        if (out.size() + length > maxChars) {
            out += u'…';
            break;
        }
        out.append(reinterpret_cast<const QChar *>(piece), length);
        i += consumed;
    }
    return out;
}

QString shown(QByteArrayView line)
{
    return printable(line, passwordRanges(line));
}

bool isSupportedOption(QByteArrayView name)
{
    return name == "out" || name == "dir";
}

// An option line as shown: the value of an option Heiko ignores is of no use in a message and may be a
// secret (aria2's http-passwd=, header=Authorization: ...), so it is masked.
QString shownOption(QByteArrayView line)
{
    const qsizetype equals = line.indexOf('=');
    if (equals < 0 || isSupportedOption(trimmed(line.first(equals))))
        return shown(line);
    Masks masks = passwordRanges(line.first(equals + 1));
    masks.append({ equals + 1, line.size() });
    return printable(line, masks);
}

// A scheme followed by "//": an indented line that starts like this was meant as a URL line, since no
// aria2 option name contains ':'.
bool startsWithSchemeAndSlashes(QByteArrayView s)
{
    constexpr qsizetype kLongestScheme = 32;
    if (s.isEmpty() || !isAsciiAlpha(s[0]))
        return false;
    for (qsizetype i = 1; i < s.size() && i <= kLongestScheme; ++i) {
        if (s[i] == ':')
            return s.sliced(i + 1).startsWith("//");
        if (!isSchemeChar(s[i]))
            return false;
    }
    return false;
}

// The scheme of s ("" when s does not start with one), cut short for a reason text.
QByteArrayView schemeOf(QByteArrayView s)
{
    if (s.isEmpty() || !isAsciiAlpha(s[0]))
        return {};
    for (qsizetype i = 1; i < s.size(); ++i) {
        if (s[i] == ':')
            return s.first(i);
        if (!isSchemeChar(s[i]))
            return {};
    }
    return {};
}

// Checks one URL of a URL line (already valid UTF-8 without control characters). Returns why it is not
// usable, or an empty string and the URL.
QString checkUrlSyntax(QByteArrayView text, QUrl *url)
{
    text = trimmedUnicodeSpaces(text);
    const QByteArrayView scheme = schemeOf(text);
    if (scheme.isEmpty())
        return u"not a URL (it has no scheme such as https://)"_s;
    if (!(scheme.compare("http", Qt::CaseInsensitive) == 0
          || scheme.compare("https", Qt::CaseInsensitive) == 0))
        return u"not an http or https URL (scheme '"_s + printable(scheme, {}, 20) + u"')"_s;
    if (text.contains(' '))
        return u"contains a space; percent-encode it as %20"_s;
    for (qsizetype i = 0; i < text.size(); ++i) {
        char32_t space = 0;
        if (unicodeSpaceAt(text.sliced(i), &space) > 0) {
            // Two links with such a space between them would otherwise become one URL that nobody meant.
            return u"contains the space character U+%1; remove it, or percent-encode it if it belongs to the "
                   u"URL"_s.arg(QString::number(uint(space), 16).toUpper().rightJustified(4, u'0'));
        }
    }

    const QUrl parsed(QString::fromUtf8(text), QUrl::StrictMode);
    if (!parsed.isValid()) {
        // QUrl::errorString() quotes the whole URL, password included: name the likely culprit instead.
        for (const char c : text) {
            if (std::strchr("<>\"\\^`{|}", c) != nullptr && c != '\0')
                return u"not a valid URL ('"_s + QLatin1Char(c) + u"' must be percent-encoded)"_s;
        }
        return u"not a valid URL"_s;
    }
    if (parsed.host().isEmpty())
        return u"URL has no host"_s;
    *url = parsed;
    return {};
}

class Parser final
{
public:
    void parseLine(qsizetype lineNumber, QByteArrayView line);
    void finish(QList<UrlList::Entry> *entries, QList<UrlList::Rejected> *rejected,
                QList<UrlList::Rejected> *warnings, qsizetype *rejectedOmitted, qsizetype *warningsOmitted);

private:
    void parseUrlLine(qsizetype lineNumber, QByteArrayView line, QByteArrayView content);
    void parseOptionLine(qsizetype lineNumber, QByteArrayView line, QByteArrayView content);

    void reject(qsizetype lineNumber, QByteArrayView line, QString reason)
    {
        m_current = -1;
        m_lastRejectedUrlLine = lineNumber;
        add(m_rejected, m_rejectedOmitted, lineNumber, shown, line, std::move(reason));
    }

    void warn(qsizetype lineNumber, QByteArrayView line, QString reason)
    {
        add(m_warnings, m_warningsOmitted, lineNumber, shown, line, std::move(reason));
    }

    void warnOption(qsizetype lineNumber, QByteArrayView line, QString reason)
    {
        add(m_warnings, m_warningsOmitted, lineNumber, shownOption, line, std::move(reason));
    }

    struct Omitted
    {
        qsizetype count = 0;
        qsizetype firstLine = 0;
    };

    // Past the cap nothing is stored and the line is not even made printable: a flood of bad lines
    // costs a counter, not a string each.
    static void add(QList<UrlList::Rejected> &list, Omitted &omitted, qsizetype lineNumber,
                    QString (*makeText)(QByteArrayView), QByteArrayView line, QString reason)
    {
        if (list.size() < kMaxReported) {
            list.append({ toLineNumber(lineNumber), makeText(line), std::move(reason) });
        } else if (omitted.count++ == 0) {
            omitted.firstLine = lineNumber;
        }
    }

    static void addSummary(QList<UrlList::Rejected> &list, const Omitted &omitted, QLatin1StringView what)
    {
        if (omitted.count > 0)
            list.append(
                { toLineNumber(omitted.firstLine), QString(), QString::number(omitted.count) + what });
    }

    QList<UrlList::Entry> m_entries;
    QList<UrlList::Rejected> m_rejected;
    QList<UrlList::Rejected> m_warnings;
    qsizetype m_current = -1; // the entry option lines apply to
    qsizetype m_lastRejectedUrlLine = 0; // when m_current is -1 because that URL line was rejected
    Omitted m_rejectedOmitted;
    Omitted m_warningsOmitted;
};

void Parser::parseLine(qsizetype lineNumber, QByteArrayView line)
{
    qsizetype first = 0;
    while (first < line.size() && isBlank(line[first]))
        ++first;
    if (first == line.size() || line[first] == '#')
        return;

    // aria2 reads every indented line as an option of the URL above. A URL indented by accident (pasted
    // from a mail or a wiki) would then vanish as a bogus option; an option name never has "scheme://"
    // in front of '=', so such a line is taken as a URL line instead. "  mailto:x" stays an option line.
    const QByteArrayView rest = line.sliced(first);
    const bool isOption = first > 0 && !startsWithSchemeAndSlashes(rest);

    if (line.size() > UrlList::kMaxLineBytes) {
        if (isOption)
            warnOption(lineNumber, line, u"option line is longer than 64 KiB; ignored"_s);
        else
            reject(lineNumber, line, u"line is longer than 64 KiB"_s);
        return;
    }
    if (isOption)
        parseOptionLine(lineNumber, line, trimmed(rest));
    else
        parseUrlLine(lineNumber, line, trimmed(rest));
}

void Parser::parseUrlLine(qsizetype lineNumber, QByteArrayView line, QByteArrayView content)
{
    // Before splitting into mirrors: a control character anywhere makes the whole line suspect (wget
    // CVE-2017-6508 injected requests through CR/LF in a listed URL).
    switch (checkText(content, true)) {
    case TextProblem::InvalidUtf8:
        reject(lineNumber, line, u"not valid UTF-8"_s);
        return;
    case TextProblem::Control:
        reject(lineNumber, line, u"contains a control character"_s);
        return;
    case TextProblem::None:
        break;
    }

    QString firstReason;
    QUrl chosen;
    qsizetype candidates = 0;
    for (qsizetype from = 0; from <= content.size();) {
        qsizetype tab = content.indexOf('\t', from);
        if (tab < 0)
            tab = content.size();
        const QByteArrayView field = content.sliced(from, tab - from);
        from = tab + 1;
        if (field.isEmpty())
            continue;
        ++candidates;
        if (!chosen.isEmpty())
            continue;
        QString reason = checkUrlSyntax(field, &chosen);
        if (!reason.isEmpty() && firstReason.isEmpty())
            firstReason = std::move(reason);
    }
    if (chosen.isEmpty()) {
        reject(lineNumber, line, firstReason);
        return;
    }

    m_entries.append({ chosen, QString(), QString(), toLineNumber(lineNumber) });
    m_current = m_entries.size() - 1;
    if (candidates > 1) {
        const qsizetype ignored = candidates - 1;
        warn(lineNumber, line,
             (ignored == 1 ? u"1 other URL on this line was ignored"_s
                           : QString::number(ignored) + u" other URLs on this line were ignored"_s)
                 + u": mirrors are not supported, only the first usable URL is downloaded"_s);
    }
}

void Parser::parseOptionLine(qsizetype lineNumber, QByteArrayView line, QByteArrayView content)
{
    const qsizetype equals = content.indexOf('=');
    const QByteArrayView key = equals >= 0 ? trimmed(content.first(equals)) : QByteArrayView();

    if (m_current < 0) {
        warnOption(lineNumber, line,
                   m_lastRejectedUrlLine > 0 ? u"option line belongs to the rejected URL on line "_s
                           + QString::number(m_lastRejectedUrlLine) + u"; ignored"_s
                                             : u"option line before any URL; ignored"_s);
        return;
    }
    // Blanks around '=' are allowed ("dir\t= x"); inside the name or the value a tab is as suspect as any
    // other control character.
    const QByteArrayView value = equals >= 0 ? trimmed(content.sliced(equals + 1)) : QByteArrayView();
    TextProblem problem = checkText(equals >= 0 ? key : content, false);
    if (problem == TextProblem::None && equals >= 0)
        problem = checkText(value, false);
    switch (problem) {
    case TextProblem::InvalidUtf8:
        warnOption(lineNumber, line, u"option line is not valid UTF-8; ignored"_s);
        return;
    case TextProblem::Control:
        warnOption(lineNumber, line, u"option line contains a control character; ignored"_s);
        return;
    case TextProblem::None:
        break;
    }
    if (equals < 0) {
        warnOption(lineNumber, line, u"option line has no '=' (expected name=value); ignored"_s);
        return;
    }
    if (key.isEmpty()) {
        warnOption(lineNumber, line, u"option line has no name before '='; ignored"_s);
        return;
    }
    if (!isSupportedOption(key)) {
        warnOption(lineNumber, line,
                   u"option '"_s + printable(key, {}, kShownKeyChars) + u"' is not supported; ignored"_s);
        return;
    }

    const QString name = QString::fromUtf8(key);
    if (value.isEmpty()) {
        warnOption(lineNumber, line, u"option '"_s + name + u"' has no value; ignored"_s);
        return;
    }
    // Taken as written: turning it into a safe name or folder is the caller's job (naming::sanitizeFileName).
    UrlList::Entry &entry = m_entries[m_current];
    QString &target = key == "out" ? entry.fileName : entry.directory;
    if (!target.isEmpty())
        warnOption(lineNumber, line, u"option '"_s + name + u"' given again; the last one is used"_s);
    target = QString::fromUtf8(value);
}

void Parser::finish(QList<UrlList::Entry> *entries, QList<UrlList::Rejected> *rejected,
                    QList<UrlList::Rejected> *warnings, qsizetype *rejectedOmitted,
                    qsizetype *warningsOmitted)
{
    addSummary(m_rejected, m_rejectedOmitted, kRejectedSummary);
    addSummary(m_warnings, m_warningsOmitted, kWarningsSummary);
    *entries = std::move(m_entries);
    *rejected = std::move(m_rejected);
    *warnings = std::move(m_warnings);
    *rejectedOmitted = m_rejectedOmitted.count;
    *warningsOmitted = m_warningsOmitted.count;
}

// The cap of rejected() and warnings() for records added one by one: stored while there is room, then
// counted in a summary record that stays last. `count` > 1 folds in another list's summary.
template<typename MakeRecord>
void addCapped(QList<UrlList::Rejected> &list, qsizetype &omitted, int lineNumber, qsizetype count,
               QLatin1StringView what, MakeRecord makeRecord)
{
    if (omitted == 0 && count == 1 && list.size() < kMaxReported) {
        list.append(makeRecord());
        return;
    }
    if (omitted == 0)
        list.append({ lineNumber, QString(), QString() });
    omitted += count;
    list.last().reason = QString::number(omitted) + what;
}

void appendCapped(QList<UrlList::Rejected> &list, qsizetype &omitted, const QList<UrlList::Rejected> &other,
                  qsizetype otherOmitted, const QString &prefix, QLatin1StringView what)
{
    // The summary record of `other` (the last one when otherOmitted > 0) stands for lines that are gone.
    const qsizetype listed = otherOmitted > 0 ? other.size() - 1 : other.size();
    for (qsizetype i = 0; i < listed; ++i) {
        const UrlList::Rejected &record = other.at(i);
        addCapped(list, omitted, record.lineNumber, 1, what, [&] {
            return UrlList::Rejected { record.lineNumber, record.text, prefix + record.reason };
        });
    }
    if (otherOmitted > 0)
        addCapped(list, omitted, other.last().lineNumber, otherOmitted, what,
                  [] { return UrlList::Rejected(); });
}

} // namespace

UrlList UrlList::parse(QByteArrayView data)
{
    if (data.startsWith("\xEF\xBB\xBF"))
        data = data.sliced(3);

    Parser parser;
    textlines::forEach(
        data, [&parser](qsizetype lineNumber, QByteArrayView line) { parser.parseLine(lineNumber, line); });
    UrlList list;
    parser.finish(&list.m_entries, &list.m_rejected, &list.m_warnings, &list.m_rejectedOmitted,
                  &list.m_warningsOmitted);
    return list;
}

QStringList UrlList::toLines(const QList<Entry> &entries)
{
    QStringList lines;
    lines.reserve(entries.size());
    for (const Entry &entry : entries) {
        lines.append(entry.url.toString(QUrl::FullyEncoded));
        if (!entry.fileName.isEmpty())
            lines.append(u"  out="_s + entry.fileName);
        if (!entry.directory.isEmpty())
            lines.append(u"  dir="_s + entry.directory);
    }
    return lines;
}

QUrl UrlList::checkUrl(QByteArrayView text, QString *reason)
{
    QString why;
    QUrl url;
    if (text.size() > kMaxLineBytes) {
        why = u"URL is longer than 64 KiB"_s;
    } else {
        switch (checkText(text, false)) {
        case TextProblem::InvalidUtf8:
            why = u"not valid UTF-8"_s;
            break;
        case TextProblem::Control:
            why = u"contains a control character"_s;
            break;
        case TextProblem::None:
            why = checkUrlSyntax(text, &url);
            break;
        }
    }
    if (!why.isEmpty())
        url.clear();
    if (reason != nullptr)
        *reason = std::move(why);
    return url;
}

void UrlList::addEntry(Entry entry)
{
    m_entries.append(std::move(entry));
}

void UrlList::addRejected(int lineNumber, QByteArrayView line, QString reason)
{
    addCapped(m_rejected, m_rejectedOmitted, lineNumber, 1, kRejectedSummary, [&] {
        return Rejected { lineNumber, shown(line), std::move(reason) };
    });
}

void UrlList::addWarning(int lineNumber, QByteArrayView line, QString reason)
{
    addCapped(m_warnings, m_warningsOmitted, lineNumber, 1, kWarningsSummary, [&] {
        return Rejected { lineNumber, shown(line), std::move(reason) };
    });
}

void UrlList::append(const UrlList &other, const QString &source)
{
    const QString prefix = source.isEmpty() ? QString() : source + u": "_s;
    m_entries.append(other.m_entries);
    appendCapped(m_rejected, m_rejectedOmitted, other.m_rejected, other.m_rejectedOmitted, prefix,
                 kRejectedSummary);
    appendCapped(m_warnings, m_warningsOmitted, other.m_warnings, other.m_warningsOmitted, prefix,
                 kWarningsSummary);
}

} // namespace heiko
