#include "addurlsdialog.h"

#include "filenaming.h"
#include "urlextractor.h"

#include <QAbstractTableModel>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <utility>

using namespace Qt::StringLiterals;
using heiko::UrlExtractor;
using heiko::UrlList;

namespace {

// Typing in a box of a few lines is previewed almost at once; a huge box is previewed less often, so that
// typing stays fluid (the delay follows the cost of the last preview).
constexpr int kMinDelayMs = 150;
constexpr int kMaxDelayMs = 1000;

struct SkippedLine
{
    bool original = false;
    int lineNumber = 0;
    QString text;
    QString reason;
    bool warning = false;
};

int toInt(qsizetype n)
{
    return static_cast<int>(std::min<qsizetype>(n, std::numeric_limits<int>::max()));
}

// The URL as a skipped line shows it: the password masked as UrlList does.
QString shownUrl(const QUrl &url)
{
    QUrl shown = url;
    if (!shown.password().isEmpty())
        shown.setPassword(u"***"_s);
    return shown.toString(QUrl::FullyEncoded);
}

} // namespace

// Without Q_OBJECT (it adds no signals): its texts are in the dialog's translation context.
class AddUrlsDialog::SkippedLinesModel final : public QAbstractTableModel
{
public:
    explicit SkippedLinesModel(QObject *parent)
        : QAbstractTableModel(parent)
    { }

    void setLines(QList<SkippedLine> lines)
    {
        beginResetModel();
        m_lines = std::move(lines);
        endResetModel();
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_lines.size());
    }

    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : SkippedColumnCount;
    }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
            return {};
        const SkippedLine &line = m_lines.at(index.row());
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
            switch (index.column()) {
            case SourceColumn:
                if (role == Qt::ToolTipRole)
                    return line.original
                        ? AddUrlsDialog::tr("From the dropped or pasted data, before it was put in the box")
                        : AddUrlsDialog::tr("From the text box");
                return line.original ? AddUrlsDialog::tr("Original") : AddUrlsDialog::tr("Text box");
            case LineColumn:
                return line.lineNumber > 0 ? QVariant(line.lineNumber) : QVariant(u"\u2014"_s);
            case TextColumn:
                return line.text;
            case ReasonColumn:
                return line.warning && role == Qt::DisplayRole
                    ? AddUrlsDialog::tr("Note: %1").arg(line.reason)
                    : line.reason;
            default:
                return {};
            }
        }
        if (role == Qt::TextAlignmentRole && index.column() == LineColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
            return QAbstractTableModel::headerData(section, orientation, role);
        switch (section) {
        case SourceColumn:
            return AddUrlsDialog::tr("Source");
        case LineColumn:
            return AddUrlsDialog::tr("Line");
        case TextColumn:
            return AddUrlsDialog::tr("Text");
        case ReasonColumn:
            return AddUrlsDialog::tr("Why it was skipped");
        default:
            return {};
        }
    }

private:
    QList<SkippedLine> m_lines;
};

AddUrlsDialog::AddUrlsDialog(QSet<QString> alreadyQueued, QString defaultFolder, QWidget *parent)
    : QDialog(parent)
    , m_alreadyQueued(std::move(alreadyQueued))
{
    setWindowTitle(tr("Add URLs"));

    auto *textLabel = new QLabel(tr("&Links: one per line, an aria2 input list, or any text that contains "
                                    "links"),
                                 this);
    m_text = new QPlainTextEdit(this);
    // Lists are read line by line; wrapping would hide where a line ends and costs time on long lines.
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setPlaceholderText(
        u"https://example.com/file.iso\nhttps://example.org/other.zip\n  out=renamed.zip"_s);
    textLabel->setBuddy(m_text);

    auto *folderLabel = new QLabel(tr("Save &to:"), this);
    m_folder = new QLineEdit(std::move(defaultFolder), this);
    folderLabel->setBuddy(m_folder);
    auto *browse = new QPushButton(tr("&Browse\u2026"), this);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(folderLabel);
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    m_folderProblem = new QLabel(this);
    m_folderProblem->setVisible(false);

    m_paused = new QCheckBox(tr("Add &paused (start them later from the list)"), this);

    m_summary = new QLabel(this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_skippedModel = new SkippedLinesModel(this);
    m_skippedView = new QTableView(this);
    m_skippedView->setModel(m_skippedModel);
    m_skippedView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_skippedView->setWordWrap(false);
    m_skippedView->verticalHeader()->hide();
    // Fixed row heights and no content-based sizing: resizing to contents would measure every row.
    m_skippedView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_skippedView->horizontalHeader()->setStretchLastSection(true);
    m_skippedView->setColumnHidden(SourceColumn, true);
    m_moreLines = new QLabel(this);
    m_moreLines->setVisible(false);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Add"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(textLabel);
    layout->addWidget(m_text, 3);
    layout->addLayout(folderRow);
    layout->addWidget(m_folderProblem);
    layout->addWidget(m_paused);
    layout->addWidget(m_summary);
    layout->addWidget(m_skippedView, 2);
    layout->addWidget(m_moreLines);
    layout->addWidget(m_buttons);

    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(kMinDelayMs);

    connect(m_timer, &QTimer::timeout, this, &AddUrlsDialog::updatePreviewNow);
    connect(m_text, &QPlainTextEdit::textChanged, this, &AddUrlsDialog::scheduleUpdate);
    connect(m_folder, &QLineEdit::textChanged, this, &AddUrlsDialog::updateAcceptable);
    connect(browse, &QPushButton::clicked, this, &AddUrlsDialog::browseFolder);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &AddUrlsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &AddUrlsDialog::reject);

    resize(760, 560);
    updatePreviewNow();
}

AddUrlsDialog::~AddUrlsDialog() = default;

void AddUrlsDialog::setText(const QString &text)
{
    m_text->setPlainText(text);
    updatePreviewNow();
}

void AddUrlsDialog::setUrlList(const UrlList &list)
{
    m_originalRejected = list.rejected();
    m_originalWarnings = list.warnings();
    m_originalRejectedLines = toInt(list.rejectedLineCount());
    m_originalWarningLines = toInt(list.warningLineCount());
    m_hasOriginal = true;
    const qsizetype shown = std::min<qsizetype>(list.entries().size(), kMaxBatchUrls);
    m_originalOverflow = static_cast<int>(list.entries().size() - shown);
    m_originalOverflowLine = m_originalOverflow > 0 ? list.entries().at(shown).lineNumber : 0;

    // Written back as a list that UrlList::parse() reads to the same entries, so that out=/dir= survive
    // and the user can still edit them.
    QString text;
    text.reserve(shown * 64);
    // QPlainTextEdit turns line and paragraph separators into line breaks, which would split an option
    // line; the engine's file-name sanitiser drops them anyway.
    const auto oneLine = [](QString value) {
        return value.remove(QChar::LineSeparator).remove(QChar::ParagraphSeparator);
    };
    for (const UrlList::Entry &entry : list.entries().first(shown)) {
        text += entry.url.toString(QUrl::FullyEncoded) + u'\n';
        if (!entry.fileName.isEmpty())
            text += u"  out="_s + oneLine(entry.fileName) + u'\n';
        if (!entry.directory.isEmpty())
            text += u"  dir="_s + oneLine(entry.directory) + u'\n';
    }
    setText(text);
}

void AddUrlsDialog::appendUrlList(const UrlList &list)
{
    const QString before = text();
    if (before.trimmed().isEmpty() && !m_hasOriginal) {
        setUrlList(list);
        return;
    }
    const QList<UrlList::Rejected> rejected = m_originalRejected + list.rejected();
    const QList<UrlList::Rejected> warnings = m_originalWarnings + list.warnings();
    const int rejectedLines = m_originalRejectedLines + toInt(list.rejectedLineCount());
    const int warningLines = m_originalWarningLines + toInt(list.warningLineCount());
    setUrlList(list); // writes the new links as list text and takes the new list's reports
    m_originalRejected = rejected;
    m_originalWarnings = warnings;
    m_originalRejectedLines = rejectedLines;
    m_originalWarningLines = warningLines;
    setText(before + (before.endsWith(u'\n') ? QString() : u"\n"_s) + text());
}

QString AddUrlsDialog::text() const
{
    return m_text->toPlainText();
}

QString AddUrlsDialog::folder() const
{
    return m_folder->text().trimmed();
}

void AddUrlsDialog::setStartPaused(bool paused)
{
    m_paused->setChecked(paused);
}

bool AddUrlsDialog::startPaused() const
{
    return m_paused->isChecked();
}

QList<heiko::DownloadRequest> AddUrlsDialog::requests() const
{
    const QString base = resolvedFolder();
    QList<heiko::DownloadRequest> requests;
    if (base.isEmpty())
        return requests;
    requests.reserve(m_newEntries.size());
    const QDir baseDir(base);
    for (const NewEntry &item : m_newEntries) {
        heiko::DownloadRequest request;
        request.url = item.entry.url;
        request.fileName = item.entry.fileName;
        request.directory
            = item.subfolder.isEmpty() ? base : QDir::cleanPath(baseDir.filePath(item.subfolder));
        request.startPaused = m_paused->isChecked();
        requests.append(std::move(request));
    }
    return requests;
}

void AddUrlsDialog::updatePreviewNow()
{
    m_timer->stop();
    QElapsedTimer clock;
    clock.start();

    const UrlList list = UrlExtractor::fromText(m_text->toPlainText());
    PreviewCounts counts;
    QList<SkippedLine> original;
    QList<SkippedLine> lines;

    // Records only counted in a summary record (past UrlList::kMaxReported) are counted here too.
    counts.skippedLines = m_originalRejectedLines + toInt(list.rejectedLineCount());
    counts.warnings = m_originalWarningLines + toInt(list.warningLineCount());
    for (const UrlList::Rejected &record : std::as_const(m_originalRejected))
        original.append({ true, record.lineNumber, record.text, record.reason, false });
    for (const UrlList::Rejected &record : std::as_const(m_originalWarnings))
        original.append({ true, record.lineNumber, record.text, record.reason, true });
    if (m_originalOverflow > 0) {
        original.append({ true, m_originalOverflowLine, QString(), tooMany(m_originalOverflow), false });
        counts.skippedLines += m_originalOverflow;
    }
    for (const UrlList::Rejected &record : list.rejected())
        lines.append({ false, record.lineNumber, record.text, record.reason, false });
    for (const UrlList::Rejected &record : list.warnings())
        lines.append({ false, record.lineNumber, record.text, record.reason, true });

    m_newEntries.clear();
    m_newEntries.reserve(list.entries().size());
    QHash<QString, int> firstLine; // normalised URL -> line it first appeared on
    firstLine.reserve(std::min<qsizetype>(list.entries().size(), kMaxBatchUrls));
    int overflow = 0;
    int overflowLine = 0;
    for (const UrlList::Entry &entry : list.entries()) {
        if (m_newEntries.size() == kMaxBatchUrls) {
            if (overflow++ == 0)
                overflowLine = entry.lineNumber;
            continue;
        }
        QString subfolder;
        if (!entry.directory.isEmpty()) {
            // As the command line does: a list may come from anyone, its dir= stays inside the folder.
            subfolder = heiko::naming::safeSubfolder(entry.directory);
            if (subfolder.isEmpty()) {
                lines.append(
                    { false, entry.lineNumber, shownUrl(entry.url) + u"  dir="_s + entry.directory.left(120),
                      tr("dir= must name a folder inside the target folder (no absolute path, no ..); "
                         "fix or remove the dir= line"),
                      false });
                ++counts.skippedLines;
                continue;
            }
        }
        const QString key = UrlExtractor::normalizedUrl(entry.url);
        if (m_alreadyQueued.contains(key)) {
            lines.append(
                { false, entry.lineNumber, shownUrl(entry.url), tr("already in the download list"), false });
            ++counts.duplicates;
            continue;
        }
        const auto seen = firstLine.constFind(key);
        if (seen != firstLine.cend()) {
            lines.append({ false, entry.lineNumber, shownUrl(entry.url),
                           tr("duplicate of line %1").arg(seen.value()), false });
            ++counts.duplicates;
            continue;
        }
        firstLine.insert(key, entry.lineNumber);
        m_newEntries.append({ entry, subfolder });
    }
    counts.newDownloads = static_cast<int>(m_newEntries.size());
    if (overflow > 0) {
        lines.append({ false, overflowLine, QString(), tooMany(overflow), false });
        counts.skippedLines += overflow;
    }

    std::stable_sort(lines.begin(), lines.end(),
                     [](const SkippedLine &a, const SkippedLine &b) { return a.lineNumber < b.lineNumber; });
    QList<SkippedLine> shown = std::move(original);
    shown.append(std::move(lines));
    const qsizetype total = shown.size();
    if (total > kMaxShownLines)
        shown.resize(kMaxShownLines);
    m_skippedModel->setLines(std::move(shown));
    // A model reset may bring hidden sections back.
    m_skippedView->setColumnHidden(SourceColumn, !m_hasOriginal);
    m_moreLines->setVisible(total > kMaxShownLines);
    if (total > kMaxShownLines) {
        // In lines, not rows: a summary row stands for many lines.
        const qint64 listed = qint64(counts.skippedLines) + counts.duplicates + counts.warnings;
        m_moreLines->setText(tr("\u2026 and %1 more lines not shown.")
                                 .arg(QLocale().toString(std::max<qint64>(listed - kMaxShownLines, 0))));
    }

    m_counts = counts;
    m_summary->setText(previewSummary());
    updateAcceptable();

    const qint64 elapsed = clock.elapsed();
    m_timer->setInterval(static_cast<int>(std::clamp<qint64>(2 * elapsed, kMinDelayMs, kMaxDelayMs)));
}

QString AddUrlsDialog::tooMany(int count)
{
    return tr("%1 more links from here on were not added: Heiko adds at most %2 links at a time. Add the "
              "rest "
              "in another batch.")
        .arg(QLocale().toString(count), QLocale().toString(kMaxBatchUrls));
}

QString AddUrlsDialog::previewSummary() const
{
    const QLocale locale;
    const QString sep = u" \u00B7 "_s;
    QString text
        = (m_counts.newDownloads == 1 ? tr("1 new download")
                                      : tr("%1 new downloads").arg(locale.toString(m_counts.newDownloads)))
        + sep
        + (m_counts.duplicates == 1 ? tr("1 duplicate skipped")
                                    : tr("%1 duplicates skipped").arg(locale.toString(m_counts.duplicates)))
        + sep
        + (m_counts.skippedLines == 1 ? tr("1 line skipped")
                                      : tr("%1 lines skipped").arg(locale.toString(m_counts.skippedLines)));
    if (m_counts.warnings > 0)
        text += sep
            + (m_counts.warnings == 1 ? tr("1 note")
                                      : tr("%1 notes").arg(locale.toString(m_counts.warnings)));
    return text;
}

QAbstractItemModel *AddUrlsDialog::skippedLinesModel() const
{
    return m_skippedModel;
}

void AddUrlsDialog::accept()
{
    if (m_timer->isActive())
        updatePreviewNow();
    if (!m_buttons->button(QDialogButtonBox::Ok)->isEnabled())
        return;
    QDialog::accept();
}

void AddUrlsDialog::browseFolder()
{
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Save Downloads To"), resolvedFolder());
    if (!chosen.isEmpty())
        m_folder->setText(QDir::toNativeSeparators(chosen));
}

void AddUrlsDialog::scheduleUpdate()
{
    m_timer->start();
}

void AddUrlsDialog::updateAcceptable()
{
    QString problem;
    const bool folderOk = !resolvedFolder(&problem).isEmpty();
    m_folderProblem->setText(problem);
    m_folderProblem->setVisible(!folderOk);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(folderOk && m_counts.newDownloads > 0);
}

QString AddUrlsDialog::resolvedFolder(QString *problem) const
{
    QString path = folder();
    if (path == u"~"_s || path.startsWith(u"~/"_s) || path.startsWith(u"~\\"_s))
        path = QDir::homePath() + path.sliced(1);
    QString why;
    if (path.isEmpty())
        why = tr("Choose the folder to save the downloads to.");
    else if (!QDir::isAbsolutePath(path))
        why = tr("Give the folder as a full path (such as %1).")
                  .arg(QDir::toNativeSeparators(QDir::homePath() + u"/Downloads"_s));
    if (problem != nullptr)
        *problem = why;
    return why.isEmpty() ? QDir::cleanPath(QDir::fromNativeSeparators(path)) : QString();
}
