#include "urlextractor.h"

#include "textlines.h"
#include "utf8.h"

#include <QChar>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <algorithm>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <utility>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

// How much of a file decides whether it is text: enough for a few hundred lines, cheap to check.
constexpr qsizetype kSniffBytes = 8 * 1024;
// Longest scheme looked at ("chrome-extension" is 16): keeps the shape checks constant-time per line.
constexpr qsizetype kLongestScheme = 32;

int toLineNumber(qsizetype n)
{
    return static_cast<int>(std::min<qsizetype>(n, INT_MAX));
}

bool isBlank(char16_t c)
{
    return c == u' ' || c == u'\t';
}

bool isAsciiAlpha(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

bool isAsciiDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

bool isSchemeChar(char16_t c)
{
    return isAsciiAlpha(c) || isAsciiDigit(c) || c == u'+' || c == u'-' || c == u'.';
}

QByteArrayView trimmedBlanks(QByteArrayView s)
{
    qsizetype begin = 0;
    qsizetype end = s.size();
    while (begin < end && (s[begin] == ' ' || s[begin] == '\t'))
        ++begin;
    while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        --end;
    return s.sliced(begin, end - begin);
}

QStringView trimmedBlanks(QStringView s)
{
    qsizetype begin = 0;
    qsizetype end = s.size();
    while (begin < end && isBlank(s[begin].unicode()))
        ++begin;
    while (end > begin && isBlank(s[end - 1].unicode()))
        --end;
    return s.sliced(begin, end - begin);
}

// The length of the scheme at the start of a string (without its ':'), or 0 when it does not start with
// `scheme ":"`.
template<typename CharAt> qsizetype schemeLengthOf(qsizetype size, CharAt charAt)
{
    if (size == 0 || !isAsciiAlpha(charAt(0)))
        return 0;
    for (qsizetype i = 1; i < size && i <= kLongestScheme; ++i) {
        if (charAt(i) == u':')
            return i;
        if (!isSchemeChar(charAt(i)))
            return 0;
    }
    return 0;
}

qsizetype schemeLength(QStringView s)
{
    return schemeLengthOf(s.size(), [s](qsizetype i) { return s[i].unicode(); });
}

qsizetype schemeLength(QByteArrayView s)
{
    return schemeLengthOf(s.size(),
                          [s](qsizetype i) { return static_cast<char16_t>(static_cast<uchar>(s[i])); });
}

bool isHttpScheme(QStringView scheme)
{
    return scheme.compare(u"http"_s, Qt::CaseInsensitive) == 0
        || scheme.compare(u"https"_s, Qt::CaseInsensitive) == 0;
}

// --- fromText ---------------------------------------------------------------------------------------------

enum class LineShape { Neutral, OptionLine, UrlLine, Prose };

// Whether `s` has a space (ASCII or any Unicode space) other than at its ends.
bool hasSpaceInside(QStringView s)
{
    const auto isSpace = [](QChar c) {
        return c == u' ' || c.category() == QChar::Separator_Space || c.category() == QChar::Separator_Line
            || c.category() == QChar::Separator_Paragraph;
    };
    qsizetype begin = 0;
    qsizetype end = s.size();
    while (begin < end && isSpace(s[begin]))
        ++begin;
    while (end > begin && isSpace(s[end - 1]))
        --end;
    return std::any_of(s.begin() + begin, s.begin() + end, isSpace);
}

// See fromText() in the header for the rule.
LineShape shapeOf(QStringView line)
{
    qsizetype first = 0;
    while (first < line.size() && isBlank(line[first].unicode()))
        ++first;
    if (first == line.size() || line[first] == u'#')
        return LineShape::Neutral;
    const QStringView rest = trimmedBlanks(line.sliced(first));

    const qsizetype scheme = schemeLength(rest);
    if (scheme > 0) {
        const QStringView afterColon = rest.sliced(scheme + 1);
        const bool slashes = afterColon.startsWith(u"//"_s);
        // An indented line is an option line to parse() unless it starts with "scheme://".
        const bool urlShaped = slashes || (first == 0 && isHttpScheme(rest.first(scheme)));
        // A space makes parse() reject the line; a sentence that starts with a URL is prose. So does a
        // Unicode space inside (two links separated by an ideographic space are prose, where each is found);
        // one at either end, as copying from a web page leaves, is trimmed by parse().
        if (urlShaped && !hasSpaceInside(rest))
            return LineShape::UrlLine;
    }
    if (first == 0)
        return LineShape::Prose;

    qsizetype name = 0;
    while (name < rest.size()
           && (isAsciiAlpha(rest[name].unicode()) || isAsciiDigit(rest[name].unicode()) || rest[name] == u'-'
               || rest[name] == u'_' || rest[name] == u'.'))
        ++name;
    qsizetype equals = name;
    while (equals < rest.size() && isBlank(rest[equals].unicode()))
        ++equals;
    if (name > 0 && equals < rest.size() && rest[equals] == u'=')
        return LineShape::OptionLine;
    return LineShape::Prose;
}

bool isList(QStringView text)
{
    qsizetype start = 0;
    if (text.startsWith(QChar(0xFEFF)))
        start = 1;
    while (start <= text.size()) {
        qsizetype end = text.indexOf(u'\n', start);
        if (end < 0)
            end = text.size();
        QStringView line = text.sliced(start, end - start);
        if (line.endsWith(u'\r'))
            line.chop(1);
        if (shapeOf(line) == LineShape::Prose)
            return false;
        start = end + 1;
    }
    return true;
}

// Where a URL in prose stops (see fromText() in the header).
bool endsUrl(char32_t c)
{
    if (c <= 0x20 || c == 0x7F)
        return true;
    if (c < 0x80)
        return std::strchr("<>\"`{}|\\^", static_cast<int>(c)) != nullptr;
    if ((c >= 0x80 && c <= 0x9F) || c == 0x2026 /* … */ || (c >= 0x3000 && c <= 0x303F)
        || (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40)
        || (c >= 0xFF5B && c <= 0xFF65))
        return true;
    switch (QChar::category(c)) {
    case QChar::Separator_Space:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Punctuation_InitialQuote:
    case QChar::Punctuation_FinalQuote:
    case QChar::Punctuation_Open:
    case QChar::Punctuation_Close:
        return true;
    default:
        return false;
    }
}

// The length of "http://" or "https://" (any case) at text[i], or 0.
qsizetype httpPrefixAt(QStringView text, qsizetype i)
{
    const QStringView rest = text.sliced(i);
    if (rest.startsWith("http://"_L1, Qt::CaseInsensitive))
        return 7;
    if (rest.startsWith("https://"_L1, Qt::CaseInsensitive))
        return 8;
    return 0;
}

bool mayPrecedeUrl(QChar c)
{
    return !(c.isLetterOrNumber() || c == u'+' || c == u'-' || c == u'.');
}

UrlList fromProse(QStringView text)
{
    UrlList list;
    qsizetype lineNumber = 1;
    const qsizetype n = text.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = text[i];
        if (c == u'\n') {
            ++lineNumber;
            ++i;
            continue;
        }
        const qsizetype prefix
            = (c == u'h' || c == u'H') && (i == 0 || mayPrecedeUrl(text[i - 1])) ? httpPrefixAt(text, i) : 0;
        if (prefix == 0) {
            ++i;
            continue;
        }

        // Brackets are counted as the candidate grows so that trimming stays linear.
        qsizetype parens = 0;
        qsizetype closeParens = 0;
        qsizetype brackets = 0;
        qsizetype closeBrackets = 0;
        qsizetype end = i + prefix;
        while (end < n) {
            char32_t cp = text[end].unicode();
            qsizetype width = 1;
            if (text[end].isHighSurrogate() && end + 1 < n && text[end + 1].isLowSurrogate()) {
                cp = QChar::surrogateToUcs4(text[end], text[end + 1]);
                width = 2;
            } else if (text[end].isSurrogate()) {
                break; // a lone half: toUtf8() would make it '?', which changes what the URL means
            }
            if (endsUrl(cp))
                break;
            // "a.zip,https://b" is two links.
            if ((cp == u',' || cp == u';') && end + 1 < n && httpPrefixAt(text, end + 1) > 0)
                break;
            if (cp == u'(')
                ++parens;
            else if (cp == u')')
                ++closeParens;
            else if (cp == u'[')
                ++brackets;
            else if (cp == u']')
                ++closeBrackets;
            end += width;
        }
        const qsizetype next = end;
        while (end > i + prefix) {
            const QChar last = text[end - 1];
            if (QStringView(u".,:;!?'*").contains(last)) {
                --end;
            } else if (last == u')' && closeParens > parens) {
                --closeParens;
                --end;
            } else if (last == u']' && closeBrackets > brackets) {
                --closeBrackets;
                --end;
            } else {
                break;
            }
        }
        if (end > i + prefix) {
            const QByteArray candidate = text.sliced(i, end - i).toUtf8();
            QString reason;
            const QUrl url = UrlList::checkUrl(candidate, &reason);
            if (reason.isEmpty())
                list.addEntry({ url, QString(), QString(), toLineNumber(lineNumber) });
            else
                list.addRejected(toLineNumber(lineNumber), candidate, std::move(reason));
        }
        i = next;
    }
    return list;
}

// --- fromHtml ---------------------------------------------------------------------------------------------

bool isHtmlSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r' || c == u'\f';
}

struct NamedEntity
{
    QLatin1StringView name;
    char16_t value;
};

// The references that occur in links in practice; others are kept as written.
constexpr NamedEntity kEntities[] = {
    { QLatin1StringView("amp"), u'&' },    { QLatin1StringView("lt"), u'<' },
    { QLatin1StringView("gt"), u'>' },     { QLatin1StringView("quot"), u'"' },
    { QLatin1StringView("apos"), u'\'' },  { QLatin1StringView("nbsp"), u'\u00A0' },
    { QLatin1StringView("sol"), u'/' },    { QLatin1StringView("colon"), u':' },
    { QLatin1StringView("quest"), u'?' },  { QLatin1StringView("equals"), u'=' },
    { QLatin1StringView("num"), u'#' },    { QLatin1StringView("percnt"), u'%' },
    { QLatin1StringView("period"), u'.' }, { QLatin1StringView("lowbar"), u'_' },
    { QLatin1StringView("tab"), u'\t' },   { QLatin1StringView("NewLine"), u'\n' },
};

// Decodes the character reference at s[0] ('&'). Returns the characters consumed (0: not a reference).
qsizetype decodeReference(QStringView s, QString *out)
{
    constexpr qsizetype kLongestReference = 12;
    const qsizetype semicolon = s.first(std::min(s.size(), kLongestReference)).indexOf(u';');
    if (semicolon < 2)
        return 0;
    const QStringView body = s.sliced(1, semicolon - 1);
    if (body.startsWith(u'#')) {
        const bool hex = body.size() > 1 && (body[1] == u'x' || body[1] == u'X');
        const QStringView digits = body.sliced(hex ? 2 : 1);
        bool ok = false;
        const uint value = digits.toUInt(&ok, hex ? 16 : 10);
        if (!ok || digits.isEmpty() || digits.startsWith(u'+') || digits.startsWith(u'-'))
            return 0;
        char32_t cp = value;
        // As HTML does: NUL, surrogates and values beyond Unicode become U+FFFD.
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            cp = 0xFFFD;
        const char32_t one[] = { cp };
        out->append(QString::fromUcs4(one, 1));
        return semicolon + 1;
    }
    for (const NamedEntity &entity : kEntities) {
        if (body == entity.name) {
            out->append(QChar(entity.value));
            return semicolon + 1;
        }
    }
    return 0;
}

// An href as a browser reads it: references decoded, ASCII tab and newline removed (the URL standard
// drops them anywhere), leading and trailing blanks trimmed.
QString decodeHref(QStringView raw)
{
    QString out;
    out.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size();) {
        const QChar c = raw[i];
        if (c == u'&') {
            if (const qsizetype used = decodeReference(raw.sliced(i), &out); used > 0) {
                i += used;
                continue;
            }
        }
        out.append(c);
        ++i;
    }
    out.remove(u'\t');
    out.remove(u'\n');
    out.remove(u'\r');
    qsizetype begin = 0;
    qsizetype end = out.size();
    while (begin < end && isHtmlSpace(out[begin]))
        ++begin;
    while (end > begin && isHtmlSpace(out[end - 1]))
        --end;
    return out.sliced(begin, end - begin);
}

class HtmlScanner final
{
public:
    explicit HtmlScanner(QStringView html)
        : m_html(html)
    { }

    UrlList scan();

private:
    // The line of position `pos`; positions are asked for in increasing order, so counting is linear.
    int lineAt(qsizetype pos)
    {
        while (m_counted < pos) {
            const qsizetype newline = m_html.sliced(m_counted, pos - m_counted).indexOf(u'\n');
            if (newline < 0) {
                m_counted = pos;
                break;
            }
            m_counted += newline + 1;
            ++m_line;
        }
        return toLineNumber(m_line);
    }

    // Reads the attributes of the tag whose name ends at `pos`; returns the position after its '>'.
    qsizetype readLinkTag(qsizetype pos, qsizetype tagStart);
    void addLink(QStringView raw, int lineNumber);

    QStringView m_html;
    UrlList m_list;
    qsizetype m_counted = 0;
    qsizetype m_line = 1;
};

UrlList HtmlScanner::scan()
{
    const qsizetype n = m_html.size();
    qsizetype i = 0;
    while (i < n) {
        const qsizetype open = m_html.indexOf(u'<', i);
        if (open < 0)
            break;
        const QStringView rest = m_html.sliced(open);
        if (rest.startsWith(u"<!--"_s)) {
            const qsizetype close = m_html.indexOf(u"-->"_s, open + 4);
            i = close < 0 ? n : close + 3;
            continue;
        }
        qsizetype nameEnd = open + 1;
        while (nameEnd < n
               && (isAsciiAlpha(m_html[nameEnd].unicode()) || isAsciiDigit(m_html[nameEnd].unicode())))
            ++nameEnd;
        const QStringView name = m_html.sliced(open + 1, nameEnd - open - 1);
        const bool nameEnds = nameEnd == n || isHtmlSpace(m_html[nameEnd]) || m_html[nameEnd] == u'/'
            || m_html[nameEnd] == u'>';
        if (name.isEmpty() || !nameEnds) {
            i = open + 1;
            continue;
        }
        if (name.compare(u"script"_s, Qt::CaseInsensitive) == 0
            || name.compare(u"style"_s, Qt::CaseInsensitive) == 0) {
            // Their content is not markup: a "<a href" in a script string is no link.
            const QString closing = u"</"_s + name.toString();
            const qsizetype close = m_html.indexOf(closing, nameEnd, Qt::CaseInsensitive);
            i = close < 0 ? n : close + closing.size();
            continue;
        }
        if (name.compare(u"a"_s, Qt::CaseInsensitive) == 0
            || name.compare(u"area"_s, Qt::CaseInsensitive) == 0) {
            i = readLinkTag(nameEnd, open);
            continue;
        }
        i = nameEnd;
    }
    return std::move(m_list);
}

qsizetype HtmlScanner::readLinkTag(qsizetype pos, qsizetype tagStart)
{
    const qsizetype n = m_html.size();
    bool seenHref = false;
    while (pos < n) {
        while (pos < n && (isHtmlSpace(m_html[pos]) || m_html[pos] == u'/'))
            ++pos;
        if (pos >= n)
            break;
        if (m_html[pos] == u'>')
            return pos + 1;
        const qsizetype nameStart = pos;
        while (pos < n && !isHtmlSpace(m_html[pos]) && m_html[pos] != u'=' && m_html[pos] != u'>'
               && m_html[pos] != u'/')
            ++pos;
        // A stray '=' (or a name made of one) is consumed as a one-character name, so the loop moves on.
        if (pos == nameStart)
            ++pos;
        const QStringView attribute = m_html.sliced(nameStart, pos - nameStart);
        qsizetype afterName = pos;
        while (afterName < n && isHtmlSpace(m_html[afterName]))
            ++afterName;
        if (afterName >= n || m_html[afterName] != u'=')
            continue; // an attribute without a value
        pos = afterName + 1;
        while (pos < n && isHtmlSpace(m_html[pos]))
            ++pos;
        QStringView value;
        if (pos < n && (m_html[pos] == u'"' || m_html[pos] == u'\'')) {
            const QChar quote = m_html[pos];
            const qsizetype close = m_html.indexOf(quote, pos + 1);
            const qsizetype valueEnd = close < 0 ? n : close;
            value = m_html.sliced(pos + 1, valueEnd - pos - 1);
            pos = close < 0 ? n : close + 1;
        } else {
            const qsizetype valueStart = pos;
            while (pos < n && !isHtmlSpace(m_html[pos]) && m_html[pos] != u'>')
                ++pos;
            value = m_html.sliced(valueStart, pos - valueStart);
        }
        // As in browsers, the first href counts.
        if (!seenHref && attribute.compare(u"href"_s, Qt::CaseInsensitive) == 0) {
            seenHref = true;
            addLink(value, lineAt(tagStart));
        }
    }
    return n;
}

void HtmlScanner::addLink(QStringView raw, int lineNumber)
{
    const QString href = decodeHref(raw);
    if (href.isEmpty())
        return; // "this page": not a download
    const QByteArray bytes = href.toUtf8();
    if (schemeLength(QStringView(href)) == 0) {
        m_list.addRejected(lineNumber, bytes,
                           u"relative link: the page address it belongs to is unknown; copy the link "
                           "itself (Copy Link) and paste it instead"_s);
        return;
    }
    // A browser follows <a href="a b"> to a%20b: the characters it percent-encodes in a link are encoded
    // here too, rather than rejected as they are in a typed list.
    QByteArray link;
    link.reserve(bytes.size());
    for (const char c : bytes) {
        if (std::strchr(" \"<>`{}|^", c) != nullptr && c != '\0')
            link += '%' + QByteArray::number(static_cast<uchar>(c), 16).toUpper();
        else
            link += c;
    }
    QString reason;
    const QUrl url = UrlList::checkUrl(link, &reason);
    if (reason.isEmpty())
        m_list.addEntry({ url, QString(), QString(), lineNumber });
    else
        m_list.addRejected(lineNumber, bytes, std::move(reason));
}

// --- fromListFile and fromCsv -----------------------------------------------------------------------------

// Text as a list file must be: no NUL, and at most a quarter of the bytes invalid UTF-8 or control bytes
// other than the usual whitespace. A Latin-1 list (a few é) passes and has those lines rejected one by one;
// an image, an archive or UTF-32 does not.
bool looksLikeText(QByteArrayView head)
{
    if (head.contains('\0'))
        return false;
    qsizetype bad = 0;
    qsizetype i = 0;
    while (i < head.size()) {
        char32_t codePoint = 0;
        const qsizetype length = utf8::decode(head.sliced(i), &codePoint);
        if (length == 0) {
            ++bad;
            ++i;
            continue;
        }
        const auto b = static_cast<uchar>(head[i]);
        if (length == 1 && (b < 0x20 || b == 0x7F) && b != '\t' && b != '\n' && b != '\r' && b != '\f'
            && b != '\v')
            ++bad;
        i += length;
    }
    return bad * 4 <= head.size();
}

bool hasControl(QByteArrayView s)
{
    for (const char c : s) {
        const auto b = static_cast<uchar>(c);
        if (b < 0x20 || b == 0x7F)
            return true;
    }
    // C1 controls, as UrlList::parse() treats them.
    for (qsizetype i = 0; i + 1 < s.size(); ++i) {
        if (static_cast<uchar>(s[i]) == 0xC2 && static_cast<uchar>(s[i + 1]) >= 0x80
            && static_cast<uchar>(s[i + 1]) <= 0x9F)
            return true;
    }
    return false;
}

// Splits one CSV line at `separator`. Returns false when a quoted field is not closed on this line.
bool splitCsvLine(QByteArrayView line, QList<QByteArray> *fields, char separator)
{
    fields->clear();
    qsizetype i = 0;
    const qsizetype n = line.size();
    while (true) {
        qsizetype start = i;
        while (start < n && (line[start] == ' ' || line[start] == '\t'))
            ++start;
        if (start < n && line[start] == '"') {
            QByteArray field;
            qsizetype j = start + 1;
            bool closed = false;
            while (j < n) {
                const qsizetype quote = line.sliced(j).indexOf('"');
                if (quote < 0)
                    break;
                field.append(line.sliced(j, quote));
                j += quote + 1;
                if (j < n && line[j] == '"') {
                    field.append('"');
                    ++j;
                    continue;
                }
                closed = true;
                break;
            }
            if (!closed)
                return false;
            // Anything between the closing quote and the separator is kept, as spreadsheets do.
            const qsizetype next = line.sliced(j).indexOf(separator);
            const qsizetype fieldEnd = next < 0 ? n : j + next;
            field.append(trimmedBlanks(line.sliced(j, fieldEnd - j)));
            fields->append(field);
            if (next < 0)
                return true;
            i = fieldEnd + 1;
        } else {
            const qsizetype next = line.sliced(i).indexOf(separator);
            const qsizetype fieldEnd = next < 0 ? n : i + next;
            fields->append(trimmedBlanks(line.sliced(i, fieldEnd - i)).toByteArray());
            if (next < 0)
                return true;
            i = fieldEnd + 1;
        }
    }
}

bool isOneOf(const QByteArray &field, std::initializer_list<const char *> names)
{
    for (const char *name : names) {
        if (field.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool isUrlHeader(const QByteArray &field)
{
    return isOneOf(field, { "url", "uri", "link", "href", "address" });
}

// The separator of a CSV file, from its first record: ',' unless that record is a header without a comma
// that reads as ';' columns ("url;name"), as spreadsheets in many locales (German, French...) save it. Data
// alone never decides: a URL may hold a ';' itself ("report;v2.pdf", "f.zip;jsessionid=A").
char csvSeparator(QByteArrayView firstRecord)
{
    if (firstRecord.contains(',') || !firstRecord.contains(';') || firstRecord.contains("://"))
        return ',';
    QList<QByteArray> fields;
    if (!splitCsvLine(firstRecord, &fields, ';') || fields.size() < 2)
        return ',';
    return std::any_of(fields.cbegin(), fields.cend(), isUrlHeader) ? ';' : ',';
}

QString fileLabel(const QString &path)
{
    const QString name = QFileInfo(path).fileName();
    return u"\u201C"_s + (name.isEmpty() ? path : name) + u"\u201D"_s;
}

QString notTextMessage(const QString &label)
{
    return label
        + u" is not a text file. Heiko reads lists of links saved as plain text (UTF-8), .csv or aria2 input "
          "files."_s;
}

} // namespace

UrlList UrlExtractor::fromText(QStringView text)
{
    if (isList(text))
        return UrlList::parse(text.toUtf8());
    return fromProse(text);
}

UrlExtractor::UriListResult UrlExtractor::fromUriList(QByteArrayView data)
{
    UriListResult result;
    textlines::forEach(data, [&](qsizetype lineNumber, QByteArrayView line) {
        const QByteArrayView content = trimmedBlanks(line);
        if (content.isEmpty() || content.startsWith('#'))
            return;
        const int number = toLineNumber(lineNumber);

        const qsizetype scheme = schemeLength(content);
        if (scheme == 4 && content.first(4).compare("file", Qt::CaseInsensitive) == 0) {
            if (content.size() > UrlList::kMaxLineBytes) {
                result.urls.addRejected(number, line, u"line is longer than 64 KiB"_s);
                return;
            }
            if (!content.isValidUtf8() || hasControl(content)) {
                result.urls.addRejected(number, line,
                                        u"file URL is not valid UTF-8 or holds a control character"_s);
                return;
            }
            const QUrl url(QString::fromUtf8(content), QUrl::StrictMode);
            // file://server/share/list.txt (or file:////server/share/..., a path that is one): reading it
            // makes the system connect to that computer (on Windows with the user's network credentials,
            // which a link in a web page could harvest). Only files on this computer are read.
            QUrl local = url;
            const QString host = url.host();
            local.setHost(
                QString()); // "localhost" is this computer; toLocalFile() would make it "//localhost/..."
            const QString path = local.isValid() && local.isLocalFile() ? local.toLocalFile() : QString();
            const bool remote = (!host.isEmpty() && host.compare(u"localhost"_s, Qt::CaseInsensitive) != 0)
                || path.startsWith(u"//"_s) || path.startsWith(u"\\\\"_s);
            if (remote) {
                result.urls.addRejected(
                    number, line,
                    u"a file on another computer (%1) is not read; copy it to this computer "
                    u"first"_s.arg((host.isEmpty() ? path.section(u'/', 2, 2) : host).left(64)));
                return;
            }
            if (path.isEmpty() || !QDir::isAbsolutePath(path))
                result.urls.addRejected(number, line, u"not a valid file URL"_s);
            else
                result.localFiles.append(path);
            return;
        }
        QString reason;
        const QUrl url = UrlList::checkUrl(content, &reason);
        if (reason.isEmpty())
            result.urls.addEntry({ url, QString(), QString(), number });
        else
            result.urls.addRejected(number, line, std::move(reason));
    });
    return result;
}

UrlList UrlExtractor::fromHtml(QStringView html)
{
    return HtmlScanner(html).scan();
}

UrlList UrlExtractor::fromCsv(QByteArrayView data)
{
    if (data.startsWith("\xEF\xBB\xBF"))
        data = data.sliced(3);

    UrlList list;
    qsizetype urlColumn = 0;
    qsizetype nameColumn = 1;
    bool firstRecord = true;
    char separator = ',';
    QList<QByteArray> fields;
    textlines::forEach(data, [&](qsizetype lineNumber, QByteArrayView line) {
        const QByteArrayView content = trimmedBlanks(line);
        if (content.isEmpty() || content.startsWith('#'))
            return;
        const int number = toLineNumber(lineNumber);
        if (line.size() > UrlList::kMaxLineBytes) {
            list.addRejected(number, line, u"line is longer than 64 KiB"_s);
            firstRecord = false;
            return;
        }
        if (firstRecord)
            separator = csvSeparator(line);
        if (!splitCsvLine(line, &fields, separator)) {
            list.addRejected(number, line,
                             u"a quoted field is not closed on this line (a field that starts with \" must "
                             "end with \"; write \"\" for a quote inside it)"_s);
            firstRecord = false;
            return;
        }

        if (firstRecord) {
            firstRecord = false;
            // A header names its columns and holds no URL ("https://x,link" is data, not a header).
            const auto urlHeader = std::find_if(fields.cbegin(), fields.cend(), isUrlHeader);
            const bool holdsUrl = std::any_of(fields.cbegin(), fields.cend(),
                                              [](const QByteArray &f) { return f.contains("://"); });
            if (urlHeader != fields.cend() && !holdsUrl) {
                urlColumn = urlHeader - fields.cbegin();
                const auto nameHeader = std::find_if(fields.cbegin(), fields.cend(), [](const QByteArray &f) {
                    return isOneOf(f, { "name", "filename", "file name", "file", "out" });
                });
                nameColumn = nameHeader != fields.cend() ? nameHeader - fields.cbegin() : -1;
                return;
            }
        }

        const QByteArray urlField = urlColumn < fields.size() ? fields.at(urlColumn) : QByteArray();
        if (urlField.isEmpty()) {
            list.addRejected(number, line,
                             urlColumn == 0 ? u"no URL in the first column"_s
                                            : u"no URL in column "_s + QString::number(urlColumn + 1));
            return;
        }
        QString reason;
        const QUrl url = UrlList::checkUrl(urlField, &reason);
        if (!reason.isEmpty()) {
            list.addRejected(number, line, std::move(reason));
            return;
        }
        UrlList::Entry entry { url, QString(), QString(), number };
        const QByteArray name
            = nameColumn >= 0 && nameColumn < fields.size() ? fields.at(nameColumn) : QByteArray();
        if (!name.isEmpty()) {
            if (!QByteArrayView(name).isValidUtf8())
                list.addWarning(number, line, u"the name is not valid UTF-8; ignored"_s);
            else if (hasControl(name))
                list.addWarning(number, line, u"the name contains a control character; ignored"_s);
            else
                entry.fileName = QString::fromUtf8(name);
        }
        list.addEntry(std::move(entry));
    });
    return list;
}

UrlList UrlExtractor::fromListFile(const QString &path, QString *error)
{
    const auto fail = [&](QString message) {
        if (error != nullptr)
            *error = std::move(message);
        return UrlList();
    };
    if (error != nullptr)
        error->clear();

    const QFileInfo info(path);
    const QString label = fileLabel(path);
    if (!info.exists())
        return fail(u"Cannot read "_s + label
                    + u": it does not exist. Check that it was not moved or deleted."_s);
    if (info.isDir())
        return fail(label + u" is a folder. Choose one of the list files inside it instead."_s);
    if (!info.isFile())
        return fail(label
                    + u" is not a regular file (a device, pipe or socket). Save the links to a text file and "
                      "drop that."_s);
    if (info.size() > kMaxListFileBytes)
        return fail(label + u" is larger than 100 MB ("_s + QString::number(info.size() / (1024 * 1024))
                    + u" MB). Split it into smaller lists and add them one at a time."_s);

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(u"Cannot read "_s + label + u": "_s + file.errorString()
                    + u". Check that you are allowed to read it."_s);
    // The head decides before the rest is read: a dropped 90 MB video costs 8 KiB.
    QByteArray data = file.read(kSniffBytes);
    const bool utf16 = data.startsWith("\xFF\xFE") || data.startsWith("\xFE\xFF");
    if (!utf16 && !looksLikeText(data))
        return fail(notTextMessage(label));
    // Reads one byte more than allowed: a file that grew since it was measured is caught too.
    data.append(file.read(kMaxListFileBytes + 1 - data.size()));
    if (file.error() != QFileDevice::NoError)
        return fail(u"Cannot read "_s + label + u": "_s + file.errorString() + u". Try again."_s);
    return fromListBytes(std::move(data), info.fileName(), error);
}

UrlList UrlExtractor::fromListBytes(QByteArray data, const QString &name, QString *error)
{
    const auto fail = [&](QString message) {
        if (error != nullptr)
            *error = std::move(message);
        return UrlList();
    };
    if (error != nullptr)
        error->clear();
    const QString label = fileLabel(name);
    if (data.size() > kMaxListFileBytes)
        return fail(label
                    + u" is larger than 100 MB. Split it into smaller lists and add them one at a time."_s);
    const bool utf16 = data.startsWith("\xFF\xFE") || data.startsWith("\xFE\xFF");
    if (utf16) {
        QStringDecoder decoder(data.startsWith("\xFF\xFE") ? QStringConverter::Utf16LE
                                                           : QStringConverter::Utf16BE);
        const QString text = decoder.decode(QByteArrayView(data).sliced(2));
        data = text.toUtf8();
        if (decoder.hasError())
            return fail(notTextMessage(label));
    }
    if (!looksLikeText(QByteArrayView(data).first(std::min(data.size(), kSniffBytes))))
        return fail(notTextMessage(label));

    const QString suffix = QFileInfo(name).suffix().toLower();
    if (suffix == u"csv"_s)
        return fromCsv(data);
    if (suffix == u"html"_s || suffix == u"htm"_s)
        return fromHtml(QString::fromUtf8(data));
    return UrlList::parse(data);
}

QString UrlExtractor::normalizedUrl(const QUrl &url)
{
    QUrl normal = url.adjusted(QUrl::RemoveFragment);
    normal.setScheme(normal.scheme().toLower());
    if ((normal.scheme() == u"http"_s && normal.port() == 80)
        || (normal.scheme() == u"https"_s && normal.port() == 443))
        normal.setPort(-1);
    if (normal.path().isEmpty() && !normal.host().isEmpty())
        normal.setPath(u"/"_s);
    return normal.toString(QUrl::FullyEncoded);
}

} // namespace heiko
