#pragma once

#include "downloadrequest.h"
#include "urllist.h"

#include <QDialog>
#include <QList>
#include <QSet>
#include <QString>

class QAbstractItemModel;
class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;
class QTimer;

// "Add URLs": a box for links (one per line, an aria2-style list, or any text with links in it), the folder
// to save to, start at once or paused, and a preview that follows the text: how many downloads are new, how
// many are duplicates (within the text, or of a URL already queued) and which lines are skipped and why.
// The preview is computed on the GUI thread, debounced after typing; it is linear in the text (10,000 URLs
// take a few tens of milliseconds) and the table of skipped lines shows at most kMaxShownLines rows. One
// batch adds at most kMaxBatchUrls downloads: the rest are reported as skipped (100,000 URLs take about
// half a second to show and preview; a million would freeze the window for several seconds).
// Duplicates are compared in heiko::UrlExtractor::normalizedUrl() form; so must alreadyQueued be.
class AddUrlsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AddUrlsDialog)

public:
    static constexpr int kMaxShownLines = 1000;
    static constexpr int kMaxBatchUrls = 100'000;

    enum SkippedColumn { SourceColumn, LineColumn, TextColumn, ReasonColumn, SkippedColumnCount };

    struct PreviewCounts
    {
        int newDownloads = 0;
        int duplicates = 0; // within the text, or already queued
        int skippedLines = 0; // rejected lines, and entries with an unusable dir=
        int warnings = 0; // accepted lines with something ignored (an unknown option, mirrors)
    };

    AddUrlsDialog(QSet<QString> alreadyQueued, QString defaultFolder, QWidget *parent = nullptr);
    ~AddUrlsDialog() override;

    // Replaces the text and updates the preview at once.
    void setText(const QString &text);
    // For a drop or a paste already read (MimeUrlReader): the text box shows the accepted URLs (with their
    // out=/dir= lines), and the preview keeps listing the original's rejected lines and warnings (source
    // "Original") next to those of the text box, however the text is edited.
    void setUrlList(const heiko::UrlList &list);
    // A second drop while the dialog is open: its links are added below what is already there (and its
    // skipped lines to the preview), nothing the user typed is lost.
    void appendUrlList(const heiko::UrlList &list);
    QString text() const;

    QString folder() const; // as typed, trimmed
    void setStartPaused(bool paused);
    bool startPaused() const;

    // The new downloads of the last preview: directory = the chosen folder, or a subfolder of it from a
    // safe dir=; fileName from out=; startPaused from the check box. accept() refreshes the preview first.
    QList<heiko::DownloadRequest> requests() const;

    // The preview as last computed; updatePreviewNow() skips the debounce (the window and tests use it).
    void updatePreviewNow();
    PreviewCounts previewCounts() const { return m_counts; }
    QString previewSummary() const;
    QAbstractItemModel *skippedLinesModel() const;

    void accept() override;

private:
    static QString tooMany(int count);
    void browseFolder();
    void scheduleUpdate();
    void updateAcceptable();
    // The chosen folder as an absolute, clean path ("~" expanded), or empty when it is not usable.
    QString resolvedFolder(QString *problem = nullptr) const;

    class SkippedLinesModel;
    struct NewEntry
    {
        heiko::UrlList::Entry entry;
        QString subfolder; // naming::safeSubfolder(entry.directory), empty when none
    };

    QSet<QString> m_alreadyQueued;
    QList<heiko::UrlList::Rejected> m_originalRejected;
    QList<heiko::UrlList::Rejected> m_originalWarnings;
    int m_originalRejectedLines = 0;
    int m_originalWarningLines = 0;
    bool m_hasOriginal = false;
    int m_originalOverflow = 0; // entries of the original past kMaxBatchUrls, not put in the box
    int m_originalOverflowLine = 0;
    QList<NewEntry> m_newEntries;
    PreviewCounts m_counts;

    QPlainTextEdit *m_text = nullptr;
    QLineEdit *m_folder = nullptr;
    QCheckBox *m_paused = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_folderProblem = nullptr;
    QTableView *m_skippedView = nullptr;
    SkippedLinesModel *m_skippedModel = nullptr;
    QLabel *m_moreLines = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QTimer *m_timer = nullptr;
};
