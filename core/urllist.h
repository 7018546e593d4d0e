#pragma once

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace heiko {

// A list of URLs as users write them: one URL per line (an input file, stdin, a paste).
// - blank lines and lines whose first non-blank character is '#' are skipped silently;
// - CRLF and LF line ends both work; a UTF-8 BOM at the start is ignored;
// - aria2-style option lines (starting with a space or tab, "key=value") apply to the URL above them:
//   `out=NAME` sets the file name, `dir=DIR` the folder; other options are reported as ignored (as are
//   options with no usable URL above them). An indented line that starts with "scheme://" is taken as a
//   URL line indented by accident, not as an option;
// - several tab-separated URLs on one line are aria2 mirrors of one file: the first is used;
// - every other line must be one absolute http or https URL with a host; anything else (another scheme,
//   spaces inside, control characters, invalid UTF-8, a line longer than kMaxLineBytes) is rejected with
//   its line number and the reason, and the remaining lines still count.
// Nothing is deduplicated: that is the caller's policy.
// parse() never fails, never throws and takes time linear in the input: it is fed untrusted bytes.
// Readers of other formats (UrlExtractor: prose, HTML, text/uri-list, CSV) build a UrlList with checkUrl(),
// addEntry(), addRejected() and addWarning(), so that every source reports the same way.
class UrlList final
{
public:
    static constexpr qsizetype kMaxLineBytes = 64 * 1024;
    // rejected() and warnings() each list at most this many records, plus one summary record.
    static constexpr qsizetype kMaxReported = 10000;

    struct Entry
    {
        QUrl url;
        QString fileName; // from `out=` as written (NOT sanitised), empty when none
        QString directory; // from `dir=` as written (NOT checked), empty when none
        int lineNumber = 0; // 1-based
    };

    struct Rejected
    {
        int lineNumber = 0; // 1-based
        // The line made printable: control and non-UTF-8 bytes as \xNN, bidi/format characters as
        // \u{NNNN}, passwords and the values of ignored options as ***, cut to 120 characters + "…".
        QString text;
        QString reason; // what is wrong, in words a user understands
    };

    static UrlList parse(QByteArrayView data);

    // The rule parse() applies to each URL of a line: an absolute http or https URL with a host, valid
    // UTF-8 without control characters or spaces, at most kMaxLineBytes. Returns the URL, or an empty QUrl
    // and why in *reason (a reason parse() would give). Linear in text.size(), total on any bytes.
    static QUrl checkUrl(QByteArrayView text, QString *reason);

    // The entries as list lines that parse() reads back as the same entries: each URL, then its out= and
    // dir= option lines. How a list's names and folders travel where only lines go (the command line of a
    // second window handing its URLs to the first).
    static QStringList toLines(const QList<Entry> &entries);

    void addEntry(Entry entry);
    // `line` is stored the way parse() stores a line (Rejected::text: printable, passwords masked, cut).
    // Past kMaxReported records the line is only counted in the closing summary record, as in parse().
    void addRejected(int lineNumber, QByteArrayView line, QString reason);
    void addWarning(int lineNumber, QByteArrayView line, QString reason);
    // Adds other's entries, rejected lines and warnings after this list's, keeping the caps. Line numbers
    // stay as they are; a non-empty `source` (a file name) is put before each of other's reasons, as
    // "source: reason", so that the lines of several files can be told apart.
    void append(const UrlList &other, const QString &source = {});

    const QList<Entry> &entries() const { return m_entries; }
    const QList<Rejected> &rejected() const { return m_rejected; }
    // Lines that were accepted but something on them was ignored (an unknown option, extra mirrors).
    // rejected() and warnings() hold at most kMaxReported (10,000) lines each; past that, one last record
    // with an empty text gives the first omitted line and how many more there were.
    const QList<Rejected> &warnings() const { return m_warnings; }
    // How many lines were rejected / warned about, those only counted in a summary record included.
    qsizetype rejectedLineCount() const { return countLines(m_rejected, m_rejectedOmitted); }
    qsizetype warningLineCount() const { return countLines(m_warnings, m_warningsOmitted); }

private:
    static qsizetype countLines(const QList<Rejected> &records, qsizetype omitted)
    {
        return omitted > 0 ? records.size() - 1 + omitted : records.size();
    }

    QList<Entry> m_entries;
    QList<Rejected> m_rejected;
    QList<Rejected> m_warnings;
    // Lines counted in the summary record that closes m_rejected / m_warnings (0: no summary record).
    qsizetype m_rejectedOmitted = 0;
    qsizetype m_warningsOmitted = 0;
};

} // namespace heiko
