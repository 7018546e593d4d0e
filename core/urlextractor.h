#pragma once

#include "urllist.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <QUrl>

namespace heiko {

// The URLs in whatever a user drops or pastes: free text, a list, text/uri-list, HTML, a list file.
// Pure functions apart from fromListFile() (which reads the one file it is given); no GUI types, so a drop
// or the clipboard is turned into these inputs by the window (MimeUrlReader). Every function is total on
// any input and linear in its size; nothing is deduplicated (see normalizedUrl()).
class UrlExtractor final
{
public:
    // List files larger than this are refused unread: a list of a million links is about 100 MB.
    static constexpr qint64 kMaxListFileBytes = 100 * 1024 * 1024;

    // The text is a LIST when every line that is not blank and not a '#' comment is
    //   - a URL line: no space in it, and after optional blanks a scheme followed by "//" ("ftp://x",
    //     "htp://typo") or, when not indented, an http/https scheme and anything ("http:example.com"), or
    //   - an aria2 option line: indented, then "name=value" with a name of letters, digits, '-', '_', '.'.
    // A list is read exactly as UrlList::parse() reads it (line numbers, out=/dir=, each bad URL line
    // rejected with its reason; comments are comments, so a text of comments only gives nothing).
    // A line with a space is prose even when it starts with a URL ("https://a/x.zip is the file"): the
    // price is that a list line with an unencoded space ("http://h/a b.iso") makes the text prose, where
    // the link is cut at the space instead of being rejected.
    // Anything else is PROSE: every http:// or https:// (any case) that does not follow a letter, digit or
    // one of "+-." starts a candidate, which runs up to whitespace, a control or format character, one of
    // <>"`{}|\^ or a non-ASCII quotation mark or bracket (“ ” « » 「 」 （ ） 、 。 ，...). Then trailing
    // .,:;!?'* are cut, and a trailing ')' or ']' is cut while the candidate has more of it than of '(' or
    // '[', so "(see https://a/x)." gives https://a/x while https://w/Foo_(bar) stays whole. Candidates
    // that pass UrlList::checkUrl() are entries (line number = the line they start on); candidates that
    // fail are rejected with the reason, except a bare "http://" or "https://" (talk about the scheme).
    // Other words are never reported. Prose has no out=/dir=.
    static UrlList fromText(QStringView text);

    struct UriListResult
    {
        UrlList urls; // http(s) entries; other schemes and broken lines rejected
        QStringList localFiles; // the local paths of file: URLs, for the caller to read
    };
    // RFC 2483 text/uri-list: CRLF (or LF) lines, '#' comment lines, blank lines ignored, blanks around a
    // URL trimmed. file: URLs are not entries but localFiles; every other line is checked with
    // UrlList::checkUrl() and becomes an entry or a rejected line.
    static UriListResult fromUriList(QByteArrayView data);

    // The links of an HTML fragment (a browser selection, a saved bookmarks file): the href of every <a>
    // and <area> tag (names case-insensitive; quoted or unquoted values), with character references
    // decoded (&amp; &lt; &gt; &quot; &apos; &nbsp; &#NN; &#xHH; and a few more, others kept as written),
    // ASCII blanks trimmed, tabs and newlines removed, and space " < > ` { } | ^ percent-encoded, as a
    // browser does when it follows the link. Absolute http(s) links are entries; relative links are rejected
    // (there is no base to resolve them against: browsers put absolute links on the clipboard), as are other
    // schemes (javascript:, mailto:...). Links inside comments, <script> and <style> are ignored. The line
    // number is the line of the tag in the HTML.
    static UrlList fromHtml(QStringView html);

    // Reads a dropped list file and gives its URLs; on failure returns an empty list and sets *error to a
    // sentence that says what failed and what to do (*error is cleared on success). Refused: a path that
    // does not exist, a folder, a device/pipe/socket, a file over kMaxListFileBytes, a file that is not
    // text (a NUL byte, or more than a quarter of the first 8 KiB invalid UTF-8 or control bytes). A UTF-16
    // file with a byte order mark is converted. Then by extension (case-insensitive):
    //   .csv         one "URL,name" record per line (see fromCsv()),
    //   .html, .htm  fromHtml(),
    //   anything else (.txt, .lst, aria2 input files, no extension) UrlList::parse().
    // Which files to offer here at all is the caller's policy.
    static UrlList fromListFile(const QString &path, QString *error);
    // What fromListFile() does once the file is read, for a list that comes from elsewhere (standard input):
    // `name` stands for the file name in messages and its extension picks the format.
    static UrlList fromListBytes(QByteArray data, const QString &name, QString *error);

    // CSV lists: one record per line (quoted fields may not span lines), fields separated by ',' (or by ';'
    // when the first record is a header without a comma, such as "url;name"), RFC 4180 quoting ("a ""b"", c"
    // is one field). Columns: URL then name, or as named by a header line (the first record, when one of its
    // fields is url/uri/link/href/address; name/filename/file/out name the name column). Further columns are
    // ignored. A name becomes Entry::fileName (as written; not sanitised) unless it is not valid UTF-8 or
    // holds a control character: then the URL is kept and a warning says why. Blank lines and lines starting
    // with '#' are skipped; a UTF-8 BOM is ignored.
    static UrlList fromCsv(QByteArrayView data);

    // The form in which two URLs of the same download compare equal, for duplicate checks: scheme and host
    // lowercased (QUrl does both), the default port removed (80 for http, 443 for https), the fragment
    // removed, an empty path written as "/", then fully percent-encoded. Query, user info and the case of
    // the path are kept: servers may tell them apart.
    static QString normalizedUrl(const QUrl &url);
};

} // namespace heiko
