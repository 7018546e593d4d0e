#include "filenaming.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTest>
#include <QUrl>

#include <iterator>
#include <limits>

using namespace Qt::StringLiterals;
using namespace heiko::naming;

namespace {

// The URL every Content-Disposition row falls back to, so that "malformed" is visible in chooseFileName.
const QUrl kFallbackUrl(u"http://example.com/dl/fallback.bin"_s);

QString repeated(QStringView s, qsizetype times)
{
    return s.toString().repeated(times);
}

QString repeated(char16_t c, qsizetype times)
{
    return QString(times, QChar(c));
}

qsizetype utf8Bytes(const QString &s)
{
    return s.toUtf8().size();
}

bool isReservedForTest(const QString &name)
{
    QString base = name.section(u'.', 0, 0);
    while (base.endsWith(u' '))
        base.chop(1);
    base = base.toUpper();
    static const QStringList exact = { u"CON"_s, u"PRN"_s, u"AUX"_s, u"NUL"_s, u"CONIN$"_s, u"CONOUT$"_s };
    if (exact.contains(base))
        return true;
    return base.size() == 4 && (base.startsWith(u"COM"_s) || base.startsWith(u"LPT"_s))
        && (base[3].isDigit() || base[3] == QChar(0x00B9) || base[3] == QChar(0x00B2)
            || base[3] == QChar(0x00B3));
}

// Every property a sanitised name must have, whatever went in. Returns an empty string when all hold.
QString violatedInvariant(const QString &name, int maxBytes)
{
    if (!name.isValidUtf16())
        return u"not valid UTF-16"_s;
    if (utf8Bytes(name) > maxBytes)
        return u"longer than the limit"_s;
    if (name.startsWith(u'.'))
        return u"leading dot"_s;
    if (name.endsWith(u'.') || name.endsWith(u' '))
        return u"trailing dot or space"_s;
    if (name == u"."_s || name == u".."_s)
        return u"dot name"_s;
    for (QChar c : u"<>:\"/\\|?*"_s) {
        if (name.contains(c))
            return u"forbidden character "_s + c;
    }
    for (qsizetype i = 0; i < name.size(); ++i) {
        char32_t cp = name[i].unicode();
        if (name[i].isHighSurrogate() && i + 1 < name.size()) {
            cp = QChar::surrogateToUcs4(name[i], name[i + 1]);
            ++i;
        }
        const QChar::Category category = QChar::category(cp);
        if (category == QChar::Other_Control || category == QChar::Other_Format)
            return u"control or format character U+"_s + QString::number(uint(cp), 16);
    }
    if (isReservedForTest(name))
        return u"Windows reserved name"_s;
    if (name != name.normalized(QString::NormalizationForm_C))
        return u"not NFC"_s;
    return {};
}

} // namespace

class TestFileNaming final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void contentDisposition_data();
    void contentDisposition();
    void sanitize_data();
    void sanitize();
    void fileNameFromUrl_data();
    void fileNameFromUrl();
    void chooseFileName_data();
    void chooseFileName();
    void numberedFileName_data();
    void numberedFileName();
    void sanitizedNamesKeepInvariants();
    void hostileContentDispositionNeverCrashes();
    void hugeInputsTakeLinearTime_data();
    void hugeInputsTakeLinearTime();
};

// tc2231 (http://test.greenbytes.de/tech/tc2231/), one row per case except attonly403, which is about
// status codes. Rows are named after the tc2231 anchors. "name" is what the header says (unsanitised,
// empty for "no name / malformed"), "chosen" is what chooseFileName makes of it with kFallbackUrl.
void TestFileNaming::contentDisposition_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("chosen");

    const QString fallback = u"fallback.bin"_s;
    const QString fooHtml = u"foo.html"_s;
    const QString fooAeHtml = u"foo-\u00e4.html"_s;

    // Disposition-Type Inline: we take the name from an inline header too.
    QTest::newRow("inlonly") << "inline"_ba << QString() << fallback;
    QTest::newRow("inlonlyquoted") << "\"inline\""_ba << QString() << fallback;
    QTest::newRow("inlwithasciifilename") << "inline; filename=\"foo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("inlwithfnattach") << "inline; filename=\"Not an attachment!\""_ba
                                     << u"Not an attachment!"_s << u"Not an attachment!"_s;
    QTest::newRow("inlwithasciifilenamepdf")
        << "inline; filename=\"foo.pdf\""_ba << u"foo.pdf"_s << u"foo.pdf"_s;

    // Disposition-Type Attachment
    QTest::newRow("attonly") << "attachment"_ba << QString() << fallback;
    QTest::newRow("attonlyquoted") << "\"attachment\""_ba << QString() << fallback;
    QTest::newRow("attonlyucase") << "ATTACHMENT"_ba << QString() << fallback;
    QTest::newRow("attwithasciifilename") << "attachment; filename=\"foo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("attwithasciifilename25")
        << "attachment; filename=\"0000000000111111111122222\""_ba << u"0000000000111111111122222"_s
        << u"0000000000111111111122222"_s;
    QTest::newRow("attwithasciifilename35")
        << "attachment; filename=\"00000000001111111111222222222233333\""_ba
        << u"00000000001111111111222222222233333"_s << u"00000000001111111111222222222233333"_s;
    QTest::newRow("attwithasciifnescapedchar")
        << "attachment; filename=\"f\\oo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("attwithasciifnescapedquote") << "attachment; filename=\"\\\"quoting\\\" tested.html\""_ba
                                                << u"\"quoting\" tested.html"_s << u"_quoting_ tested.html"_s;
    QTest::newRow("attwithquotedsemicolon") << "attachment; filename=\"Here's a semicolon;.html\""_ba
                                            << u"Here's a semicolon;.html"_s << u"Here's a semicolon;.html"_s;
    QTest::newRow("attwithfilenameandextparam")
        << "attachment; foo=\"bar\"; filename=\"foo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("attwithfilenameandextparamescaped")
        << "attachment; foo=\"\\\"\\\\\";filename=\"foo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("attwithasciifilenameucase")
        << "attachment; FILENAME=\"foo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("attwithasciifilenamenq") << "attachment; filename=foo.html"_ba << fooHtml << fooHtml;
    QTest::newRow("attwithtokfncommanq") << "attachment; filename=foo,bar.html"_ba << QString() << fallback;
    // A trailing semicolon is not in the grammar, but servers send it and browsers take the name.
    QTest::newRow("attwithasciifilenamenqs") << "attachment; filename=foo.html ;"_ba << fooHtml << fooHtml;
    QTest::newRow("attemptyparam") << "attachment; ;filename=foo"_ba << QString() << fallback;
    QTest::newRow("attwithasciifilenamenqws")
        << "attachment; filename=foo bar.html"_ba << QString() << fallback;
    QTest::newRow("attwithfntokensq")
        << "attachment; filename='foo.bar'"_ba << u"'foo.bar'"_s << u"'foo.bar'"_s;
    QTest::newRow("attwithisofnplain")
        << "attachment; filename=\"foo-\xe4.html\""_ba << fooAeHtml << fooAeHtml;
    // Deliberately not tc2231's "foo-Ã¤.html": valid UTF-8 is taken as UTF-8, as browsers do.
    QTest::newRow("attwithutf8fnplain")
        << "attachment; filename=\"foo-\xc3\xa4.html\""_ba << fooAeHtml << fooAeHtml;
    QTest::newRow("attwithfnrawpctenca")
        << "attachment; filename=\"foo-%41.html\""_ba << u"foo-%41.html"_s << u"foo-%41.html"_s;
    QTest::newRow("attwithfnusingpct")
        << "attachment; filename=\"50%.html\""_ba << u"50%.html"_s << u"50%.html"_s;
    QTest::newRow("attwithfnrawpctencaq")
        << "attachment; filename=\"foo-%\\41.html\""_ba << u"foo-%41.html"_s << u"foo-%41.html"_s;
    QTest::newRow("attwithnamepct") << "attachment; name=\"foo-%41.html\""_ba << QString() << fallback;
    QTest::newRow("attwithfilenamepctandiso")
        << "attachment; filename=\"\xe4-%41.html\""_ba << u"\u00e4-%41.html"_s << u"\u00e4-%41.html"_s;
    QTest::newRow("attwithfnrawpctenclong")
        << "attachment; filename=\"foo-%c3%a4-%e2%82%ac.html\""_ba << u"foo-%c3%a4-%e2%82%ac.html"_s
        << u"foo-%c3%a4-%e2%82%ac.html"_s;
    QTest::newRow("attwithasciifilenamews1") << "attachment; filename =\"foo.html\""_ba << fooHtml << fooHtml;
    QTest::newRow("attwith2filenames")
        << "attachment; filename=\"foo.html\"; filename=\"bar.html\""_ba << QString() << fallback;
    QTest::newRow("attfnbrokentoken") << "attachment; filename=foo[1](2).html"_ba << QString() << fallback;
    // Bytes beyond ASCII in a token are not in the grammar either; browsers take them, UTF-8 if they are,
    // else ISO-8859-1, as in a quoted name.
    QTest::newRow("attfnbrokentokeniso") << "attachment; filename=foo-\xe4.html"_ba << fooAeHtml << fooAeHtml;
    QTest::newRow("attfnbrokentokenutf")
        << "attachment; filename=foo-\xc3\xa4.html"_ba << fooAeHtml << fooAeHtml;
    QTest::newRow("attmissingdisposition") << "filename=foo.html"_ba << QString() << fallback;
    QTest::newRow("attmissingdisposition2") << "x=y; filename=foo.html"_ba << QString() << fallback;
    QTest::newRow("attmissingdisposition3")
        << "\"foo; filename=bar;baz\"; filename=qux"_ba << QString() << fallback;
    QTest::newRow("attmissingdisposition4")
        << "filename=foo.html, filename=bar.html"_ba << QString() << fallback;
    QTest::newRow("emptydisposition") << "; filename=foo.html"_ba << QString() << fallback;
    QTest::newRow("doublecolon") << ": inline; attachment; filename=foo.html"_ba << QString() << fallback;
    QTest::newRow("attandinline") << "inline; attachment; filename=foo.html"_ba << QString() << fallback;
    QTest::newRow("attandinline2") << "attachment; inline; filename=foo.html"_ba << QString() << fallback;
    QTest::newRow("attbrokenquotedfn") << "attachment; filename=\"foo.html\".txt"_ba << QString() << fallback;
    QTest::newRow("attbrokenquotedfn2") << "attachment; filename=\"bar"_ba << QString() << fallback;
    QTest::newRow("attbrokenquotedfn3")
        << "attachment; filename=foo\"bar;baz\"qux"_ba << QString() << fallback;
    QTest::newRow("attmultinstances")
        << "attachment; filename=foo.html, attachment; filename=bar.html"_ba << QString() << fallback;
    QTest::newRow("attmissingdelim") << "attachment; foo=foo filename=bar"_ba << QString() << fallback;
    QTest::newRow("attmissingdelim2") << "attachment; filename=bar foo=foo"_ba << QString() << fallback;
    QTest::newRow("attmissingdelim3") << "attachment filename=bar"_ba << QString() << fallback;
    QTest::newRow("attreversed") << "filename=foo.html; attachment"_ba << QString() << fallback;
    QTest::newRow("attconfusedparam") << "attachment; xfilename=foo.html"_ba << QString() << fallback;
    QTest::newRow("attabspath") << "attachment; filename=\"/foo.html\""_ba << u"/foo.html"_s << fooHtml;
    QTest::newRow("attabspathwin") << "attachment; filename=\"\\\\foo.html\""_ba << u"\\foo.html"_s
                                   << fooHtml;

    // Additional Parameters
    QTest::newRow("attcdate") << "attachment; creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\""_ba
                              << QString() << fallback;
    QTest::newRow("attmdate") << "attachment; modification-date=\"Wed, 12 Feb 1997 16:29:51 -0500\""_ba
                              << QString() << fallback;

    // Disposition-Type Extension
    QTest::newRow("dispext") << "foobar"_ba << QString() << fallback;
    QTest::newRow("dispextbadfn") << "attachment; example=\"filename=example.txt\""_ba << QString()
                                  << fallback;

    // RFC 2231/5987 Encoding: Character Sets
    QTest::newRow("attwithisofn2231iso")
        << "attachment; filename*=iso-8859-1''foo-%E4.html"_ba << fooAeHtml << fooAeHtml;
    QTest::newRow("attwithfn2231utf8") << "attachment; filename*=UTF-8''foo-%c3%a4-%e2%82%ac.html"_ba
                                       << u"foo-\u00e4-\u20ac.html"_s << u"foo-\u00e4-\u20ac.html"_s;
    QTest::newRow("attwithfn2231noc")
        << "attachment; filename*=''foo-%c3%a4-%e2%82%ac.html"_ba << QString() << fallback;
    // Decomposed in the header; the sanitiser composes it (NFC).
    QTest::newRow("attwithfn2231utf8comp")
        << "attachment; filename*=UTF-8''foo-a%cc%88.html"_ba << u"foo-a\u0308.html"_s << fooAeHtml;
    QTest::newRow("attwithfn2231utf8-bad")
        << "attachment; filename*=iso-8859-1''foo-%c3%a4-%e2%82%ac.html"_ba << QString() << fallback;
    QTest::newRow("attwithfn2231iso-bad")
        << "attachment; filename*=utf-8''foo-%E4.html"_ba << QString() << fallback;
    QTest::newRow("attwithfn2231ws1")
        << "attachment; filename *=UTF-8''foo-%c3%a4.html"_ba << QString() << fallback;
    QTest::newRow("attwithfn2231ws2")
        << "attachment; filename*= UTF-8''foo-%c3%a4.html"_ba << fooAeHtml << fooAeHtml;
    QTest::newRow("attwithfn2231ws3")
        << "attachment; filename* =UTF-8''foo-%c3%a4.html"_ba << fooAeHtml << fooAeHtml;
    QTest::newRow("attwithfn2231quot")
        << "attachment; filename*=\"UTF-8''foo-%c3%a4.html\""_ba << QString() << fallback;
    QTest::newRow("attwithfn2231quot2")
        << "attachment; filename*=\"foo%20bar.html\""_ba << QString() << fallback;
    QTest::newRow("attwithfn2231singleqmissing")
        << "attachment; filename*=UTF-8'foo-%c3%a4.html"_ba << QString() << fallback;
    QTest::newRow("attwithfn2231nbadpct1") << "attachment; filename*=UTF-8''foo%"_ba << QString() << fallback;
    QTest::newRow("attwithfn2231nbadpct2")
        << "attachment; filename*=UTF-8''f%oo.html"_ba << QString() << fallback;
    QTest::newRow("attwithfn2231dpct")
        << "attachment; filename*=UTF-8''A-%2541.html"_ba << u"A-%41.html"_s << u"A-%41.html"_s;
    QTest::newRow("attwithfn2231abspathdisguised")
        << "attachment; filename*=UTF-8''%5cfoo.html"_ba << u"\\foo.html"_s << fooHtml;

    // RFC 2231 Encoding: Continuations. RFC 6266 does not allow them; they are unknown parameters.
    QTest::newRow("attfncont") << "attachment; filename*0=\"foo.\"; filename*1=\"html\""_ba << QString()
                               << fallback;
    QTest::newRow("attfncontqs") << "attachment; filename*0=\"foo\"; filename*1=\"\\b\\a\\r.html\""_ba
                                 << QString() << fallback;
    QTest::newRow("attfncontenc") << "attachment; filename*0*=UTF-8''foo-%c3%a4; filename*1=\".html\""_ba
                                  << QString() << fallback;
    QTest::newRow("attfncontlz") << "attachment; filename*0=\"foo\"; filename*01=\"bar\""_ba << QString()
                                 << fallback;
    QTest::newRow("attfncontnc") << "attachment; filename*0=\"foo\"; filename*2=\"bar\""_ba << QString()
                                 << fallback;
    QTest::newRow("attfnconts1") << "attachment; filename*1=\"foo.\"; filename*2=\"html\""_ba << QString()
                                 << fallback;
    QTest::newRow("attfncontord") << "attachment; filename*1=\"bar\"; filename*0=\"foo\""_ba << QString()
                                  << fallback;

    // RFC 2231 Encoding: Fallback Behaviour
    QTest::newRow("attfnboth") << "attachment; filename=\"foo-ae.html\"; filename*=UTF-8''foo-%c3%a4.html"_ba
                               << fooAeHtml << fooAeHtml;
    QTest::newRow("attfnboth2") << "attachment; filename*=UTF-8''foo-%c3%a4.html; filename=\"foo-ae.html\""_ba
                                << fooAeHtml << fooAeHtml;
    QTest::newRow("attfnboth3")
        << "attachment; filename*0*=ISO-8859-15''euro-sign%3d%a4; filename*=ISO-8859-1''currency-sign%3d%a4"_ba
        << u"currency-sign=\u00a4"_s << u"currency-sign=\u00a4"_s;
    QTest::newRow("attnewandfn") << "attachment; foobar=x; filename=\"foo.html\""_ba << fooHtml << fooHtml;

    // RFC 2047 Encoding: not decoded; unquoted it is not even a token.
    QTest::newRow("attrfc2047token") << "attachment; filename==?ISO-8859-1?Q?foo-=E4.html?="_ba << QString()
                                     << fallback;
    QTest::newRow("attrfc2047quoted")
        << "attachment; filename=\"=?ISO-8859-1?Q?foo-=E4.html?=\""_ba << u"=?ISO-8859-1?Q?foo-=E4.html?="_s
        << u"=_ISO-8859-1_Q_foo-=E4.html_="_s;

    // Beyond tc2231: the rules from the issue and what servers send in the wild.
    QTest::newRow("empty header") << QByteArray() << QString() << fallback;
    QTest::newRow("only whitespace") << " \t "_ba << QString() << fallback;
    QTest::newRow("no whitespace") << "attachment;filename=a.txt"_ba << u"a.txt"_s << u"a.txt"_s;
    QTest::newRow("surrounding whitespace")
        << " \tattachment ;\tfilename = \"a.txt\" \t"_ba << u"a.txt"_s << u"a.txt"_s;
    QTest::newRow("unknown type with filename") << "x-custom; filename=a.txt"_ba << u"a.txt"_s << u"a.txt"_s;
    QTest::newRow("empty quoted filename") << "attachment; filename=\"\""_ba << QString() << fallback;
    QTest::newRow("missing value") << "attachment; filename="_ba << QString() << fallback;
    QTest::newRow("trailing semicolon after quoted")
        << "attachment; filename=\"a.txt\";"_ba << u"a.txt"_s << u"a.txt"_s;
    QTest::newRow("trailing semicolon and blanks after token")
        << "attachment; filename=a.txt ; "_ba << u"a.txt"_s << u"a.txt"_s;
    QTest::newRow("trailing semicolon without a parameter") << "attachment;"_ba << QString() << fallback;
    QTest::newRow("empty parameter before another")
        << "attachment; ; filename=a.txt"_ba << QString() << fallback;
    QTest::newRow("raw UTF-8 unquoted")
        << "attachment; filename=\xe5\x9c\x8b.pdf"_ba << u"\u570b.pdf"_s << u"\u570b.pdf"_s;
    QTest::newRow("same filename twice")
        << "attachment; filename=a.txt; filename=a.txt"_ba << QString() << fallback;
    QTest::newRow("filename* twice") << "attachment; filename*=UTF-8''a.txt; filename*=UTF-8''b.txt"_ba
                                     << QString() << fallback;
    QTest::newRow("NUL inside quotes") << "attachment; filename=\"a\0b.txt\""_ba << QString() << fallback;
    QTest::newRow("CR LF inside quotes") << "attachment; filename=\"a\r\nb.txt\""_ba << QString() << fallback;
    QTest::newRow("tab inside quotes")
        << "attachment; filename=\"a\tb.txt\""_ba << u"a\tb.txt"_s << u"ab.txt"_s;
    QTest::newRow("backslash at end of quotes") << "attachment; filename=\"a\\"_ba << QString() << fallback;
    QTest::newRow("escaped quote at end") << "attachment; filename=\"a\\\""_ba << QString() << fallback;
    QTest::newRow("raw UTF-8 CJK in quotes")
        << "attachment; filename=\"\xe6\xa5\xbd.mp3\""_ba << u"\u697d.mp3"_s << u"\u697d.mp3"_s;
    QTest::newRow("brief example UTF-8")
        << "attachment; filename*=UTF-8''%e2%82%ac%20rates"_ba << u"\u20ac rates"_s << u"\u20ac rates"_s;
    QTest::newRow("ISO-8859-1 ext-value") << "attachment; filename*=ISO-8859-1''%A3%20rates.pdf"_ba
                                          << u"\u00a3 rates.pdf"_s << u"\u00a3 rates.pdf"_s;
    QTest::newRow("US-ASCII ext-value")
        << "attachment; filename*=us-ascii''plain.txt"_ba << u"plain.txt"_s << u"plain.txt"_s;
    QTest::newRow("ext-value with language")
        << "attachment; filename*=UTF-8'en-GB'%e2%82%ac.pdf"_ba << u"\u20ac.pdf"_s << u"\u20ac.pdf"_s;
    QTest::newRow("parameter names any case")
        << "attachment; FileName*=utf-8''%c3%a4.txt"_ba << u"\u00e4.txt"_s << u"\u00e4.txt"_s;
    QTest::newRow("inline with filename*")
        << "inline; filename*=UTF-8''doc.pdf"_ba << u"doc.pdf"_s << u"doc.pdf"_s;
    QTest::newRow("bad ext-value falls back to filename")
        << "attachment; filename=\"plain.html\"; filename*=UTF-8''foo%"_ba << u"plain.html"_s
        << u"plain.html"_s;
    QTest::newRow("quoted ext-value falls back to filename")
        << "attachment; filename*=\"UTF-8''x.html\"; filename=plain.html"_ba << u"plain.html"_s
        << u"plain.html"_s;
    QTest::newRow("unknown charset falls back to filename")
        << "attachment; filename*=ISO-8859-15''%a4.txt; filename=plain.txt"_ba << u"plain.txt"_s
        << u"plain.txt"_s;
    QTest::newRow("empty ext-value falls back to filename")
        << "attachment; filename*=UTF-8''; filename=p.txt"_ba << u"p.txt"_s << u"p.txt"_s;
    QTest::newRow("apostrophe in ext value")
        << "attachment; filename*=UTF-8''foo'.html"_ba << QString() << fallback;
    QTest::newRow("underscore in language")
        << "attachment; filename*=UTF-8'en_GB'x.txt"_ba << QString() << fallback;
    QTest::newRow("overlong UTF-8 slash")
        << "attachment; filename*=UTF-8''%c0%af.txt"_ba << QString() << fallback;
    QTest::newRow("UTF-8 encoded surrogate")
        << "attachment; filename*=UTF-8''%ed%a0%80.txt"_ba << QString() << fallback;
    QTest::newRow("truncated UTF-8 sequence")
        << "attachment; filename*=UTF-8''a%e2%82"_ba << QString() << fallback;
    QTest::newRow("continuations ignored, filename used")
        << "attachment; filename*0=\"foo.\"; filename*1=\"html\"; filename=plain.html"_ba << u"plain.html"_s
        << u"plain.html"_s;
    QTest::newRow("traversal in quotes")
        << "attachment; filename=\"../../.bashrc\""_ba << u"../../.bashrc"_s << u"bashrc"_s;
    QTest::newRow("encoded traversal in ext-value")
        << "attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd"_ba << u"../../etc/passwd"_s << u"passwd"_s;
    QTest::newRow("windows path in quotes")
        << "attachment; filename=\"C:\\\\dir\\\\f.txt\""_ba << u"C:\\dir\\f.txt"_s << u"f.txt"_s;
    QTest::newRow("encoded NUL in ext-value")
        << "attachment; filename*=UTF-8''%00evil.txt"_ba << u"\0evil.txt"_s << u"evil.txt"_s;
    QTest::newRow("RTLO in ext-value") << "attachment; filename*=UTF-8''invoice%e2%80%aegpj.exe"_ba
                                       << u"invoice\u202egpj.exe"_s << u"invoicegpj.exe"_s;
    QTest::newRow("only a dot-dot") << "attachment; filename=\"..\""_ba << u".."_s << fallback;
    QTest::newRow("reserved device name") << "attachment; filename=CON"_ba << u"CON"_s << u"_CON"_s;
}

void TestFileNaming::contentDisposition()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, name);
    QFETCH(QString, chosen);

    const QString parsed = fileNameFromContentDisposition(header);
    QCOMPARE(parsed, name);
    QCOMPARE(heiko::naming::chooseFileName(header, kFallbackUrl), chosen);
}

void TestFileNaming::sanitize_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<int>("maxBytes");
    QTest::addColumn<QString>("expected");

    const int max = kMaxNameBytes;
    const QString cjk = u"\u697d"_s; // 3 bytes of UTF-8
    const QString emoji = u"\U0001F600"_s; // a surrogate pair, 4 bytes of UTF-8

    QTest::newRow("plain") << u"report 2024.pdf"_s << max << u"report 2024.pdf"_s;
    QTest::newRow("dotfile traversal") << u"../../.bashrc"_s << max << u"bashrc"_s;
    QTest::newRow("absolute path") << u"/etc/passwd"_s << max << u"passwd"_s;
    QTest::newRow("windows traversal") << u"..\\..\\x.exe"_s << max << u"x.exe"_s;
    QTest::newRow("drive path") << u"C:\\dir\\f.txt"_s << max << u"f.txt"_s;
    QTest::newRow("drive-relative") << u"C:f.txt"_s << max << u"C_f.txt"_s;
    QTest::newRow("mixed separators") << u"a/b\\c/d.txt"_s << max << u"d.txt"_s;
    QTest::newRow("ends in separator") << u"dir/"_s << max << QString();
    QTest::newRow("ends in dot-dot") << u"dir/.."_s << max << QString();
    QTest::newRow("dot-dot") << u".."_s << max << QString();
    QTest::newRow("dot") << u"."_s << max << QString();
    QTest::newRow("three dots") << u"..."_s << max << QString();
    QTest::newRow("hidden") << u".hidden"_s << max << u"hidden"_s;
    QTest::newRow("dots and spaces in front") << u" . .hidden"_s << max << u"hidden"_s;
    QTest::newRow("NUL") << u"a\0b"_s << max << u"ab"_s;
    QTest::newRow("RTLO") << u"invoice\u202Egpj.exe"_s << max << u"invoicegpj.exe"_s;
    QTest::newRow("bidi embeddings") << u"\u202Aa\u202Bb\u202Cc\u202Dd.txt"_s << max << u"abcd.txt"_s;
    QTest::newRow("bidi isolates") << u"a\u2066b\u2067c\u2068d\u2069.txt"_s << max << u"abcd.txt"_s;
    QTest::newRow("marks LRM RLM ALM") << u"\u200Ea\u200Fb\u061C.txt"_s << max << u"ab.txt"_s;
    QTest::newRow("zero width and BOM") << u"\uFEFFa\u200Bb\u200Cc\u200D.txt"_s << max << u"abc.txt"_s;
    QTest::newRow("tag character (non-BMP Cf)") << u"a\U000E0041b.txt"_s << max << u"ab.txt"_s;
    QTest::newRow("Hangul filler") << u"a\u3164b.txt"_s << max << u"ab.txt"_s;
    QTest::newRow("noncharacter") << u"a\uFFFEb.txt"_s << max << u"ab.txt"_s;
    QTest::newRow("CON") << u"CON"_s << max << u"_CON"_s;
    QTest::newRow("con lower case") << u"con"_s << max << u"_con"_s;
    QTest::newRow("nul.txt") << u"nul.txt"_s << max << u"_nul.txt"_s;
    QTest::newRow("com1.tar.gz") << u"com1.tar.gz"_s << max << u"_com1.tar.gz"_s;
    QTest::newRow("LPT9.log") << u"LPT9.log"_s << max << u"_LPT9.log"_s;
    QTest::newRow("COM0") << u"COM0"_s << max << u"_COM0"_s;
    QTest::newRow("PRN AUX") << u"Prn.doc"_s << max << u"_Prn.doc"_s;
    QTest::newRow("Aux") << u"aUx"_s << max << u"_aUx"_s;
    QTest::newRow("CONIN$") << u"CONIN$"_s << max << u"_CONIN$"_s;
    QTest::newRow("conout$.txt") << u"conout$.txt"_s << max << u"_conout$.txt"_s;
    QTest::newRow("superscript COM") << u"COM\u00B9.txt"_s << max << u"_COM\u00B9.txt"_s;
    QTest::newRow("reserved with space before dot") << u"NUL .txt"_s << max << u"_NUL .txt"_s;
    QTest::newRow("reserved after trailing dot") << u"CON."_s << max << u"_CON"_s;
    QTest::newRow("reserved hidden by zero width") << u"C\u200BON"_s << max << u"_CON"_s;
    QTest::newRow("not reserved: console") << u"console.txt"_s << max << u"console.txt"_s;
    QTest::newRow("not reserved: COM10") << u"COM10"_s << max << u"COM10"_s;
    QTest::newRow("not reserved: NULL") << u"NULL"_s << max << u"NULL"_s;
    QTest::newRow("windows characters") << u"a<b>c:d\"e|f?g*h"_s << max << u"a_b_c_d_e_f_g_h"_s;
    QTest::newRow("trailing dots and spaces") << u"file.txt. . ."_s << max << u"file.txt"_s;
    QTest::newRow("trailing spaces") << u"file.txt   "_s << max << u"file.txt"_s;
    QTest::newRow("ANSI escape") << u"\x1b[31mred"_s << max << u"[31mred"_s;
    QTest::newRow("line breaks and tabs") << u"line\nbreak\r\t.txt"_s << max << u"linebreak.txt"_s;
    QTest::newRow("DEL and C1") << u"a\u007Fb\u0085c\u009B"_s << max << u"abc"_s;
    QTest::newRow("line and paragraph separators") << u"a\u2028b\u2029c"_s << max << u"abc"_s;
    QTest::newRow("empty") << QString() << max << QString();
    QTest::newRow("only spaces") << u"    "_s << max << QString();
    QTest::newRow("only RTLO") << u"\u202E"_s << max << QString();
    QTest::newRow("lone high surrogate") << u"a\xD800"
                                            u"b.txt"_s
                                         << max << u"ab.txt"_s;
    QTest::newRow("lone low surrogate at end") << u"a\xDC00"_s << max << u"a"_s;
    QTest::newRow("reversed surrogate pair") << u"x\xDC00\xD800y"_s << max << u"xy"_s;
    QTest::newRow("NFC combining diaeresis") << u"foo-a\u0308.html"_s << max << u"foo-\u00e4.html"_s;
    QTest::newRow("NFC Hangul jamo") << u"\u1100\u1161.txt"_s << max << u"\uAC00.txt"_s;
    QTest::newRow("NFC singleton maps to ASCII") << u"a\u037Eb"_s << max << u"a;b"_s;
    QTest::newRow("fullwidth solidus is no separator") << u"a\uFF0Fb"_s << max << u"a\uFF0Fb"_s;
    QTest::newRow("zalgo limited to 30 marks") << QString(u'a' + repeated(u'\u0301', 100) + u".txt"_s) << max
                                               << QString(u"\u00e1"_s + repeated(u'\u0301', 29) + u".txt"_s);
    QTest::newRow("starters decomposing to non-starters")
        << QString(u'x' + repeated(u'\u0F73', 100)) << max
        << QString(u'x' + repeated(u'\u0F71', 15) + repeated(u'\u0F72', 15));

    // Length: at most maxBytes of UTF-8, cut on a code point boundary, extension kept.
    QTest::newRow("300 ASCII bytes with .mp3")
        << QString(QString(296, u'a') + u".mp3"_s) << max << QString(QString(236, u'a') + u".mp3"_s);
    QTest::newRow("exactly at the limit")
        << QString(QString(236, u'a') + u".mp3"_s) << max << QString(QString(236, u'a') + u".mp3"_s);
    QTest::newRow("300 bytes of CJK") << repeated(cjk, 100) << max << repeated(cjk, 80);
    QTest::newRow("CJK with extension")
        << QString(repeated(cjk, 100) + u".txt"_s) << max << QString(repeated(cjk, 78) + u".txt"_s);
    QTest::newRow("emoji pairs at the cut") << QString(u'a' + repeated(emoji, 70) + u".png"_s) << max
                                            << QString(u'a' + repeated(emoji, 58) + u".png"_s);
    QTest::newRow("emoji pairs without extension")
        << QString(u'a' + repeated(emoji, 70)) << max << QString(u'a' + repeated(emoji, 59));
    QTest::newRow("compound extension kept")
        << QString(QString(300, u'a') + u".tar.gz"_s) << max << QString(QString(233, u'a') + u".tar.gz"_s);
    QTest::newRow("absurd extension is cut")
        << QString(u"a."_s + QString(300, u'b')) << max << QString(u"a."_s + QString(238, u'b'));
    QTest::newRow("32-byte extension kept") << QString(QString(250, u'x') + u'.' + QString(31, u'e')) << max
                                            << QString(QString(208, u'x') + u'.' + QString(31, u'e'));
    QTest::newRow("33-byte extension not kept")
        << QString(QString(250, u'x') + u'.' + QString(32, u'e')) << max << QString(240, u'x');
    QTest::newRow("cut exposes trailing spaces") << QString(QString(234, u'a') + u"  xxxxxxxx.mp3"_s) << max
                                                 << QString(QString(234, u'a') + u".mp3"_s);
    QTest::newRow("1 MB name") << QString(QString(1 << 20, u'a') + u".iso"_s) << max
                               << QString(QString(236, u'a') + u".iso"_s);
    QTest::newRow("small limit keeps extension") << u"hello.txt"_s << 6 << u"he.txt"_s;
    QTest::newRow("limit too small for extension") << u"a.mp3"_s << 4 << u"a.mp"_s;
    QTest::newRow("zero limit") << u"a.txt"_s << 0 << QString();
    QTest::newRow("negative limit") << u"a.txt"_s << -5 << QString();
    QTest::newRow("reserved name after the cut") << u"CONSOLE.txt"_s << 7 << u"_CO.txt"_s;
    QTest::newRow("custom limit") << QString(QString(100, u'z') + u".bin"_s) << 50
                                  << QString(QString(46, u'z') + u".bin"_s);
}

void TestFileNaming::sanitize()
{
    QFETCH(QString, input);
    QFETCH(int, maxBytes);
    QFETCH(QString, expected);

    const QString result = sanitizeFileName(input, maxBytes);
    QCOMPARE(result, expected);
    if (!result.isEmpty()) {
        const QString violation = violatedInvariant(result, maxBytes);
        QVERIFY2(violation.isEmpty(), qPrintable(violation));
        QCOMPARE(sanitizeFileName(result, maxBytes), result); // idempotent
    }
}

void TestFileNaming::fileNameFromUrl_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("chosen");

    const QString download = u"download"_s;
    QTest::newRow("plain") << QUrl(u"http://example.com/dir/file.zip"_s) << u"file.zip"_s << u"file.zip"_s;
    QTest::newRow("query dropped") << QUrl(u"http://example.com/dir/file.zip?x=1&y=/a/b.exe"_s)
                                   << u"file.zip"_s << u"file.zip"_s;
    QTest::newRow("fragment dropped")
        << QUrl(u"http://example.com/dir/file.zip#part/two.exe"_s) << u"file.zip"_s << u"file.zip"_s;
    QTest::newRow("query and fragment")
        << QUrl(u"https://h/a/file.tar.gz?download=1#x"_s) << u"file.tar.gz"_s << u"file.tar.gz"_s;
    QTest::newRow("trailing slash") << QUrl(u"http://example.com/dir/"_s) << QString() << download;
    QTest::newRow("root") << QUrl(u"http://example.com/"_s) << QString() << download;
    QTest::newRow("no path") << QUrl(u"http://example.com"_s) << QString() << download;
    QTest::newRow("no path, query only") << QUrl(u"http://example.com?file=a.txt"_s) << QString() << download;
    QTest::newRow("empty url") << QUrl() << QString() << download;
    QTest::newRow("percent-encoded UTF-8")
        << QUrl(u"http://example.com/%E6%A5%BD.mp3"_s) << u"\u697d.mp3"_s << u"\u697d.mp3"_s;
    QTest::newRow("raw unicode") << QUrl(u"http://example.com/m/\u697d.mp3"_s) << u"\u697d.mp3"_s
                                 << u"\u697d.mp3"_s;
    QTest::newRow("encoded space") << QUrl(u"http://example.com/a%20b.txt"_s) << u"a b.txt"_s << u"a b.txt"_s;
    QTest::newRow("encoded percent") << QUrl(u"http://example.com/50%25.txt"_s) << u"50%.txt"_s
                                     << u"50%.txt"_s;
    QTest::newRow("not UTF-8 -> Latin-1")
        << QUrl(u"http://example.com/%FF.bin"_s) << u"\u00ff.bin"_s << u"\u00ff.bin"_s;
    QTest::newRow("encoded slashes") << QUrl(u"http://h/a/..%2F..%2Fetc%2Fpasswd"_s) << u"../../etc/passwd"_s
                                     << u"passwd"_s;
    QTest::newRow("encoded slashes lower case")
        << QUrl(u"http://h/a/..%2f..%2fetc%2fpasswd"_s) << u"../../etc/passwd"_s << u"passwd"_s;
    QTest::newRow("encoded backslashes")
        << QUrl(u"http://h/dl/..%5C..%5Cboot.ini"_s) << u"..\\..\\boot.ini"_s << u"boot.ini"_s;
    QTest::newRow("encoded dot-dot") << QUrl(u"http://h/dl/%2E%2E"_s) << u".."_s << download;
    QTest::newRow("encoded dot-dot slash") << QUrl(u"http://h/dl/%2E%2E%2F"_s) << u"../"_s << download;
    QTest::newRow("dot-dot segment") << QUrl(u"http://h/a/b/.."_s) << u".."_s << download;
    QTest::newRow("encoded NUL") << QUrl(u"http://h/%00evil.txt"_s) << u"\0evil.txt"_s << u"evil.txt"_s;
    QTest::newRow("encoded RTLO") << QUrl(u"http://h/a%E2%80%AEgpj.exe"_s) << u"a\u202egpj.exe"_s
                                  << u"agpj.exe"_s;
    QTest::newRow("reserved name") << QUrl(u"http://h/x/CON"_s) << u"CON"_s << u"_CON"_s;
    QTest::newRow("userinfo ignored")
        << QUrl(u"http://user:pw@h/secret.txt"_s) << u"secret.txt"_s << u"secret.txt"_s;
    QTest::newRow("local file") << QUrl::fromLocalFile(u"/tmp/report.pdf"_s) << u"report.pdf"_s
                                << u"report.pdf"_s;
    QTest::newRow("ftp") << QUrl(u"ftp://h/pub/x.iso"_s) << u"x.iso"_s << u"x.iso"_s;
    QTest::newRow("path parameter dropped")
        << QUrl(u"https://h/f.zip;jsessionid=ABC"_s) << u"f.zip"_s << u"f.zip"_s;
    QTest::newRow("encoded semicolon kept") << QUrl(u"https://h/a%3Bb.txt"_s) << u"a;b.txt"_s << u"a;b.txt"_s;
    QTest::newRow("only a path parameter") << QUrl(u"http://h/dir/;v=1"_s) << QString() << download;
}

void TestFileNaming::fileNameFromUrl()
{
    QFETCH(QUrl, url);
    QFETCH(QString, name);
    QFETCH(QString, chosen);

    QCOMPARE(heiko::naming::fileNameFromUrl(url), name);
    QCOMPARE(heiko::naming::chooseFileName(QByteArrayView(), url), chosen);
}

void TestFileNaming::chooseFileName_data()
{
    QTest::addColumn<QByteArray>("contentDisposition");
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("expected");

    const QUrl url(u"http://example.com/files/from-url.zip?token=1"_s);
    const QUrl bareUrl(u"http://example.com/"_s);
    QTest::newRow("header wins over URL")
        << "attachment; filename=\"header.pdf\""_ba << url << u"header.pdf"_s;
    QTest::newRow("filename* wins over filename and URL")
        << "attachment; filename=\"a.pdf\"; filename*=UTF-8''%c3%a4.pdf"_ba << url << u"\u00e4.pdf"_s;
    QTest::newRow("no header -> URL") << QByteArray() << url << u"from-url.zip"_s;
    QTest::newRow("header without name -> URL") << "attachment"_ba << url << u"from-url.zip"_s;
    QTest::newRow("malformed header -> URL")
        << "attachment; filename=\"a.pdf\"; filename=\"b.pdf\""_ba << url << u"from-url.zip"_s;
    QTest::newRow("header name sanitises to nothing -> URL")
        << "attachment; filename=\"..\""_ba << url << u"from-url.zip"_s;
    QTest::newRow("header name only format characters -> URL")
        << "attachment; filename*=UTF-8''%e2%80%ae"_ba << url << u"from-url.zip"_s;
    QTest::newRow("header name is a directory -> URL")
        << "attachment; filename=\"dir/\""_ba << url << u"from-url.zip"_s;
    QTest::newRow("nothing anywhere -> download") << QByteArray() << bareUrl << u"download"_s;
    QTest::newRow("malformed header, bare URL -> download")
        << "attachment; filename=a b"_ba << bareUrl << u"download"_s;
    QTest::newRow("URL segment sanitises to nothing -> download")
        << QByteArray() << QUrl(u"http://h/%2E%2E"_s) << u"download"_s;
    QTest::newRow("hostile header is reduced")
        << "attachment; filename=\"../../.bashrc\""_ba << url << u"bashrc"_s;
    QTest::newRow("reserved header name is prefixed")
        << "attachment; filename=nul.txt"_ba << url << u"_nul.txt"_s;
    QTest::newRow("long header name is cut")
        << QByteArray("attachment; filename=\"" + QByteArray(500, 'n') + ".pdf\"") << url
        << QString(QString(236, u'n') + u".pdf"_s);
}

void TestFileNaming::chooseFileName()
{
    QFETCH(QByteArray, contentDisposition);
    QFETCH(QUrl, url);
    QFETCH(QString, expected);

    QCOMPARE(heiko::naming::chooseFileName(contentDisposition, url), expected);
}

void TestFileNaming::numberedFileName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("n");
    QTest::addColumn<QString>("expected");

    QTest::newRow("simple") << u"a.txt"_s << 1 << u"a (1).txt"_s;
    QTest::newRow("zero is the name itself") << u"a.txt"_s << 0 << u"a.txt"_s;
    QTest::newRow("negative is the name itself") << u"a.txt"_s << -3 << u"a.txt"_s;
    QTest::newRow("large n") << u"a.txt"_s << 12345 << u"a (12345).txt"_s;
    QTest::newRow("no extension") << u"README"_s << 3 << u"README (3)"_s;
    QTest::newRow("multiple dots") << u"a.b.c"_s << 1 << u"a.b (1).c"_s;
    QTest::newRow("tar.gz") << u"a.tar.gz"_s << 2 << u"a (2).tar.gz"_s;
    QTest::newRow("tar.bz2") << u"src.tar.bz2"_s << 1 << u"src (1).tar.bz2"_s;
    QTest::newRow("tar.xz") << u"src.tar.xz"_s << 1 << u"src (1).tar.xz"_s;
    QTest::newRow("tar.zst") << u"src.tar.zst"_s << 1 << u"src (1).tar.zst"_s;
    QTest::newRow("TAR.GZ upper case") << u"A.TAR.GZ"_s << 1 << u"A (1).TAR.GZ"_s;
    QTest::newRow("plain gz") << u"archive.gz"_s << 1 << u"archive (1).gz"_s;
    QTest::newRow("plain tar") << u"x.tar"_s << 1 << u"x (1).tar"_s;
    QTest::newRow("tar.gz without stem") << u"tar.gz"_s << 1 << u"tar (1).gz"_s;
    QTest::newRow("not a compound: tar.zip") << u"a.tar.zip"_s << 1 << u"a.tar (1).zip"_s;
    QTest::newRow("leading dot") << u".bashrc"_s << 1 << u".bashrc (1)"_s;
    QTest::newRow("leading dot with extension") << u".config.json"_s << 1 << u".config (1).json"_s;
    QTest::newRow("trailing dot") << u"file."_s << 1 << u"file. (1)"_s;
    QTest::newRow("absurd extension")
        << QString(u"a."_s + QString(40, u'x')) << 1 << QString(u"a."_s + QString(40, u'x') + u" (1)"_s);
    QTest::newRow("unicode") << u"\u697d\u66f2.mp3"_s << 7 << u"\u697d\u66f2 (7).mp3"_s;
    QTest::newRow("longest name, n=9999 fits")
        << QString(QString(236, u'a') + u".mp3"_s) << 9999 << QString(QString(236, u'a') + u" (9999).mp3"_s);
    QTest::newRow("longest name, n=123456 cuts the stem") << QString(QString(236, u'a') + u".mp3"_s) << 123456
                                                          << QString(QString(234, u'a') + u" (123456).mp3"_s);
    QTest::newRow("over-long name is cut")
        << QString(QString(400, u'b') + u".tar.gz"_s) << 1 << QString(QString(236, u'b') + u" (1).tar.gz"_s);
    QTest::newRow("cut keeps surrogate pairs") << QString(repeated(u"\U0001F600"_s, 70) + u".png"_s) << 1
                                               << QString(repeated(u"\U0001F600"_s, 59) + u" (1).png"_s);
}

void TestFileNaming::numberedFileName()
{
    QFETCH(QString, name);
    QFETCH(int, n);
    QFETCH(QString, expected);

    const QString result = heiko::naming::numberedFileName(name, n);
    QCOMPARE(result, expected);
    QVERIFY(result.isValidUtf16());
    QVERIFY(utf8Bytes(result) <= kMaxNameBytes + 7 || n <= 0);
}

// A seeded random walk through the characters that have broken sanitisers before. Every result must
// keep every invariant and be a fixed point of the sanitiser.
void TestFileNaming::sanitizedNamesKeepInvariants()
{
    static const char32_t alphabet[]
        = { u'a',   u'Z',    u'0',    u'.',   u'.',   u' ',   u'/',   u'\\',  u':',   u'*',
            u'?',   u'"',    u'<',    u'|',   u'C',   u'O',   u'N',   u'L',   u'P',   u'T',
            u'1',   u'$',    0x00,    0x1B,   0x7F,   0x85,   0x202E, 0x2066, 0x200B, 0x200D,
            0xFEFF, 0x061C,  0x0301,  0x0316, 0x0F73, 0x0308, 0x1100, 0x1161, 0x037E, 0x00B9,
            0x697D, 0x1F600, 0xE0041, 0xD800, 0xDC00, 0x3000, 0x2028, 0xFFFE, 0x3164 };
    QRandomGenerator random(20240611);
    for (int round = 0; round < 20000; ++round) {
        QString input;
        const int length = random.bounded(0, round % 10 == 0 ? 600 : 40);
        for (int i = 0; i < length; ++i) {
            const char32_t cp = alphabet[random.bounded(int(std::size(alphabet)))];
            if (QChar::requiresSurrogates(cp)) {
                input.append(QChar(QChar::highSurrogate(cp)));
                input.append(QChar(QChar::lowSurrogate(cp)));
            } else {
                input.append(QChar(char16_t(cp)));
            }
        }
        const int maxBytes = round % 3 == 0 ? random.bounded(1, 64) : kMaxNameBytes;
        const QString result = sanitizeFileName(input, maxBytes);
        if (result.isEmpty())
            continue;
        const QString violation = violatedInvariant(result, maxBytes);
        QVERIFY2(violation.isEmpty(),
                 qPrintable(violation + u" for input "_s + QString::fromLatin1(input.toUtf8().toHex())));
        QCOMPARE(sanitizeFileName(result, maxBytes), result);

        const QString numbered = heiko::naming::numberedFileName(result, round);
        QVERIFY(numbered.isValidUtf16());
        QVERIFY(utf8Bytes(numbered) <= kMaxNameBytes + 7);
    }
}

// Random bytes, and random mutations of valid headers: no crash, and the answer is always valid
// UTF-16 that chooseFileName turns into a usable name.
void TestFileNaming::hostileContentDispositionNeverCrashes()
{
    static const QByteArray pieces[] = { "attachment"_ba, "inline"_ba,  ";"_ba,
                                         " "_ba,          "\t"_ba,      "="_ba,
                                         "\""_ba,         "\\"_ba,      "filename"_ba,
                                         "filename*"_ba,  "UTF-8''"_ba, "iso-8859-1'en'"_ba,
                                         "'"_ba,          "%"_ba,       "%e2%82"_ba,
                                         "%ac"_ba,        "%2f"_ba,     "\xc3"_ba,
                                         "\xa4"_ba,       "\xff"_ba,    QByteArray(1, '\0'),
                                         "\r\n"_ba,       "a.txt"_ba,   ".."_ba,
                                         "/"_ba };
    QRandomGenerator random(6266);
    const QUrl url(u"http://example.com/x.bin"_s);
    for (int round = 0; round < 20000; ++round) {
        QByteArray header;
        const int parts = random.bounded(0, 16);
        for (int i = 0; i < parts; ++i) {
            if (random.bounded(4) == 0)
                header.append(char(random.bounded(256)));
            else
                header.append(pieces[random.bounded(int(std::size(pieces)))]);
        }
        const QString name = fileNameFromContentDisposition(header);
        QVERIFY2(name.isValidUtf16(), header.toHex().constData());
        const QString chosen = heiko::naming::chooseFileName(header, url);
        QVERIFY2(!chosen.isEmpty(), header.toHex().constData());
        QVERIFY2(violatedInvariant(chosen, kMaxNameBytes).isEmpty(), header.toHex().constData());
    }
}

void TestFileNaming::hugeInputsTakeLinearTime_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("maxBytes");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QUrl>("url");

    constexpr int mega = 1 << 20;
    const int max = kMaxNameBytes;
    const QUrl small(u"http://h/x"_s);
    const QString reverseCanonicalOrder(u'a' + repeated(u'\u0301', mega / 2) + repeated(u'\u0316', mega / 2));
    const QString decomposingStarters(u'a' + repeated(u'\u0F73', mega / 2) + repeated(u'\u0F71', mega / 2));
    QTest::newRow("1 MB of combining marks in reverse canonical order")
        << reverseCanonicalOrder << max << QByteArray() << small;
    // With no length limit to cut the input short, only the non-starter run limit keeps NFC linear.
    QTest::newRow("1 MB of combining marks, no length limit")
        << reverseCanonicalOrder << std::numeric_limits<int>::max() << QByteArray() << small;
    QTest::newRow("1 MB of U+0F73") << decomposingStarters << max << QByteArray() << small;
    QTest::newRow("1 MB of U+0F73, no length limit")
        << decomposingStarters << std::numeric_limits<int>::max() << QByteArray() << small;
    QTest::newRow("1 MB of lone surrogates") << repeated(u'\xD800', mega) << max << QByteArray() << small;
    QTest::newRow("1 MB of dots and separators")
        << repeated(u"./\\"_s, mega / 3) << max << QByteArray() << small;
    QTest::newRow("1 MB of format characters then a name")
        << QString(repeated(u'\u200B', mega) + u"a.txt"_s) << max << QByteArray() << small;
    QTest::newRow("1 MB of precomposed characters, no length limit")
        << repeated(u'\u00e9', mega) << std::numeric_limits<int>::max() << QByteArray() << small;
    QTest::newRow("1 MB quoted filename")
        << QString() << max << QByteArray("attachment; filename=\"" + QByteArray(mega, 'q') + "\"") << small;
    QTest::newRow("1 MB of escapes") << QString() << max
                                     << QByteArray("attachment; filename=\"" + QByteArray(mega, '\\') + "\"")
                                     << small;
    QTest::newRow("1 MB of semicolons")
        << QString() << max << QByteArray("attachment" + QByteArray(mega, ';')) << small;
    QTest::newRow("1 MB of parameters")
        << QString() << max << QByteArray("attachment" + "; a=b"_ba.repeated(mega / 5)) << small;
    QTest::newRow("1 MB ext-value") << QString() << max
                                    << QByteArray("attachment; filename*=UTF-8''"
                                                  + "%e2%82%ac"_ba.repeated(mega / 9))
                                    << small;
    QTest::newRow("1 MB URL path") << QString() << max << QByteArray()
                                   << QUrl(
                                          QString(u"http://h/"_s + repeated(u"%2F..%E6%A5%BD"_s, mega / 14)));
}

// "Linear" is checked loosely: a quadratic step on 1 MB takes minutes, so a generous bound cannot flake
// on a loaded machine and still catches it.
void TestFileNaming::hugeInputsTakeLinearTime()
{
    QFETCH(QString, name);
    QFETCH(int, maxBytes);
    QFETCH(QByteArray, header);
    QFETCH(QUrl, url);

    QElapsedTimer timer;
    timer.start();
    const QString sanitized = sanitizeFileName(name, maxBytes);
    const QString chosen = heiko::naming::chooseFileName(header, url);
    const qint64 elapsed = timer.elapsed();

    QVERIFY2(elapsed < 10000, qPrintable(QString::number(elapsed) + u" ms"_s));
    if (!sanitized.isEmpty())
        QVERIFY2(violatedInvariant(sanitized, maxBytes).isEmpty(), qPrintable(sanitized.left(80)));
    QVERIFY(!chosen.isEmpty());
    QVERIFY2(violatedInvariant(chosen, kMaxNameBytes).isEmpty(), qPrintable(chosen));
}

QTEST_GUILESS_MAIN(TestFileNaming)

#include "tst_filenaming.moc"
