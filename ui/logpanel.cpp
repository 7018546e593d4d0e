#include "logpanel.h"

#include "logfilterproxy.h"
#include "loghub.h"
#include "logmodel.h"

#include <QClipboard>
#include <QComboBox>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

LogPanel::LogPanel(heiko::LogHub &hub, QWidget *parent, int maxRows)
    : QWidget(parent)
    , m_model(new LogModel(hub, maxRows, this))
    , m_proxy(new LogFilterProxy(this))
    , m_view(new QTableView(this))
{
    m_proxy->setSourceModel(m_model);
    buildToolRow();
    buildView();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto *toolRow = new QHBoxLayout;
    toolRow->setContentsMargins(4, 2, 4, 0);
    toolRow->addWidget(new QLabel(tr("Level:"), this));
    toolRow->addWidget(m_levelCombo);
    toolRow->addWidget(m_search, 1);
    toolRow->addWidget(m_followButton);
    toolRow->addWidget(m_copyButton);
    toolRow->addWidget(m_clearButton);
    toolRow->addWidget(m_downloadFilterLabel);
    layout->addLayout(toolRow);
    layout->addWidget(m_view, 1);

    // One scroll per batch, after the proxy and the view have taken the new rows in.
    connect(m_model, &LogModel::recordsAppended, this, &LogPanel::scrollToBottomIfFollowing);
}

LogPanel::~LogPanel() = default;

void LogPanel::buildToolRow()
{
    m_levelCombo = new QComboBox(this);
    m_levelCombo->setObjectName(u"levelCombo"_s);
    m_levelCombo->addItem(tr("Debug"), int(heiko::LogLevel::Debug));
    m_levelCombo->addItem(tr("Info"), int(heiko::LogLevel::Info));
    m_levelCombo->addItem(tr("Warning"), int(heiko::LogLevel::Warning));
    m_levelCombo->addItem(tr("Error"), int(heiko::LogLevel::Error));
    m_levelCombo->setToolTip(tr("Show records of this level and above"));
    m_levelCombo->setCurrentIndex(m_levelCombo->findData(int(m_proxy->minimumLevel())));
    connect(m_levelCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_proxy->setMinimumLevel(heiko::LogLevel(m_levelCombo->itemData(index).toInt()));
        filtersChanged();
    });

    m_search = new QLineEdit(this);
    m_search->setObjectName(u"searchEdit"_s);
    m_search->setClearButtonEnabled(true);
    m_search->setPlaceholderText(tr("Filter by message, source or thread"));
    m_search->setAcceptDrops(false); // a drop anywhere in the window queues links, even here
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setTextFilter(text);
        filtersChanged();
    });

    m_followButton = new QToolButton(this);
    m_followButton->setObjectName(u"followButton"_s);
    m_followButton->setText(tr("Follow"));
    m_followButton->setToolTip(tr("Keep the newest record in view; scrolling up pauses it"));
    m_followButton->setCheckable(true);
    m_followButton->setChecked(m_following);
    connect(m_followButton, &QToolButton::toggled, this, &LogPanel::setFollowing);

    m_copyButton = new QToolButton(this);
    m_copyButton->setObjectName(u"copyButton"_s);
    m_copyButton->setText(tr("Copy"));
    m_copyButton->setToolTip(tr("Copy the selected records (Ctrl+C)"));
    connect(m_copyButton, &QToolButton::clicked, this, &LogPanel::copySelection);

    m_clearButton = new QToolButton(this);
    m_clearButton->setObjectName(u"clearButton"_s);
    m_clearButton->setText(tr("Clear"));
    m_clearButton->setToolTip(tr("Empty this view (the log file is not affected)"));
    connect(m_clearButton, &QToolButton::clicked, this, &LogPanel::clear);

    m_downloadFilterLabel = new QLabel(this);
    m_downloadFilterLabel->setObjectName(u"downloadFilterLabel"_s);
    m_downloadFilterLabel->hide();
}

void LogPanel::buildView()
{
    // Bracket every change of the proxy. The "about to" handlers must run before the view's and its selection
    // model's own (which may move the current row and scroll), so they are connected before setModel(); the
    // "done" handlers after it, so that they run last.
    connect(m_proxy, &QAbstractItemModel::rowsAboutToBeRemoved, this, &LogPanel::rememberTopRecord);
    connect(m_proxy, &QAbstractItemModel::rowsAboutToBeInserted, this, &LogPanel::rememberTopRecord);
    connect(m_proxy, &QAbstractItemModel::rowsAboutToBeMoved, this, &LogPanel::rememberTopRecord);
    connect(m_proxy, &QAbstractItemModel::layoutAboutToBeChanged, this, &LogPanel::rememberTopRecord);
    connect(m_proxy, &QAbstractItemModel::modelAboutToBeReset, this, &LogPanel::beginModelChange);

    m_view->setModel(m_proxy);

    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &LogPanel::restoreTopRecord);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &LogPanel::restoreTopRecord);
    connect(m_proxy, &QAbstractItemModel::rowsMoved, this, &LogPanel::restoreTopRecord);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &LogPanel::restoreTopRecord);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &LogPanel::endModelChange);

    m_view->setObjectName(u"logView"_s);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSortingEnabled(false);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setShowGrid(false);
    m_view->setCornerButtonEnabled(false);
    // Rows are counted, not measured: per-item scrolling and a fixed row height keep 50,000 rows cheap (the
    // view never asks a row for its size hint).
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);

    const QFontMetrics metrics = m_view->fontMetrics();
    const int rowHeight = metrics.height() + 4;
    QHeaderView *rows = m_view->verticalHeader();
    rows->hide();
    rows->setMinimumSectionSize(1);
    rows->setSectionResizeMode(QHeaderView::Fixed); // never ResizeToContents: it measures every row
    rows->setDefaultSectionSize(rowHeight);
    const int swatch = qMax(6, rowHeight / 2);
    m_view->setIconSize(QSize(swatch, swatch));

    QHeaderView *columns = m_view->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setStretchLastSection(true);
    const int padding = 2 * m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_view) + 12;
    QFont bold = m_view->font();
    bold.setBold(true);
    const auto width = [&](const QString &sample, int extra = 0) {
        return metrics.horizontalAdvance(sample) + padding + extra;
    };
    columns->resizeSection(LogModel::Time, width(u"00:00:00.000"_s));
    columns->resizeSection(LogModel::Level, QFontMetrics(bold).horizontalAdvance(u"WARNING"_s) + padding);
    columns->resizeSection(LogModel::Process, qMax(width(u"9999999"_s), width(tr("Process"))));
    columns->resizeSection(LogModel::Thread, qMax(width(u"9999999"_s, swatch + 6), width(tr("Thread"))));
    columns->resizeSection(LogModel::Download, qMax(width(u"99999"_s), width(tr("Download"))));
    columns->resizeSection(LogModel::Source, width(u"downloadworker.cpp:1234"_s));

    connect(m_view->verticalScrollBar(), &QScrollBar::actionTriggered, this, &LogPanel::handleScrollAction);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &LogPanel::handleCurrentChanged);
    m_view->installEventFilter(this);
}

void LogPanel::setDownloadFilter(const QSet<int> &ids)
{
    m_proxy->setDownloadIds(ids);
    if (ids.isEmpty()) {
        m_downloadFilterLabel->hide();
    } else {
        m_downloadFilterLabel->setText(ids.size() == 1
                                           ? tr("showing records of 1 selected download")
                                           : tr("showing records of %1 selected downloads").arg(ids.size()));
        m_downloadFilterLabel->show();
    }
    filtersChanged();
}

void LogPanel::setFollowing(bool follow)
{
    if (follow == m_following)
        return;
    m_following = follow;
    m_followButton->setChecked(follow);
    scrollToBottomIfFollowing();
    Q_EMIT followingChanged(follow);
}

QString LogPanel::selectedText() const
{
    QList<int> rows;
    const QItemSelection selection = m_view->selectionModel()->selection();
    for (const QItemSelectionRange &range : selection) {
        for (int row = range.top(); row <= range.bottom(); ++row)
            rows.append(row);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    QString text;
    for (const int row : std::as_const(rows)) {
        if (!text.isEmpty())
            text += u'\n';
        text += m_proxy->recordAt(row).toText();
    }
    return text;
}

void LogPanel::copySelection() const
{
    const QString text = selectedText();
    if (!text.isEmpty())
        QGuiApplication::clipboard()->setText(text);
}

void LogPanel::clear()
{
    m_model->clear();
}

bool LogPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_view)
        return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::ShortcutOverride:
        // Claim Ctrl+C from any window-wide shortcut while the log has the focus.
        if (static_cast<QKeyEvent *>(event)->matches(QKeySequence::Copy)) {
            event->accept();
            return true;
        }
        break;
    case QEvent::KeyPress:
        // QAbstractItemView would copy the current cell only; copy whole records instead.
        if (static_cast<QKeyEvent *>(event)->matches(QKeySequence::Copy)) {
            copySelection();
            return true;
        }
        break;
    case QEvent::FocusIn:
        // Without a current row, focusing the view makes the first row current and scrolls to the top. Give
        // it the row already in view instead (the last one while following) so that tabbing in moves nothing.
        if (!m_view->currentIndex().isValid() && m_proxy->rowCount() > 0) {
            const int row
                = m_following ? m_proxy->rowCount() - 1 : qBound(0, topRow(), m_proxy->rowCount() - 1);
            beginModelChange();
            m_view->selectionModel()->setCurrentIndex(m_proxy->index(row, 0), QItemSelectionModel::NoUpdate);
            endModelChange();
        }
        break;
    default:
        break;
    }
    return QWidget::eventFilter(watched, event);
}

void LogPanel::handleScrollAction(int action)
{
    if (action == QAbstractSlider::SliderNoAction)
        return;
    // actionTriggered comes before the value moves: sliderPosition() is where the user is going.
    const QScrollBar *bar = m_view->verticalScrollBar();
    setFollowing(bar->sliderPosition() >= bar->maximum());
}

void LogPanel::handleCurrentChanged(const QModelIndex &current)
{
    if (m_modelChanging > 0 || !current.isValid())
        return;
    setFollowing(current.row() == m_proxy->rowCount() - 1);
}

void LogPanel::rememberTopRecord()
{
    beginModelChange();
    m_topSequence = -1;
    if (m_following)
        return; // the batch ends with a scroll to the bottom anyway
    const int row = topRow();
    if (row >= 0 && row < m_proxy->rowCount())
        m_topSequence = m_proxy->recordAt(row).sequence;
}

void LogPanel::restoreTopRecord()
{
    if (m_topSequence >= 0) {
        const int row = firstRowFrom(m_topSequence);
        m_topSequence = -1;
        if (row != topRow()) {
            m_view->doItemsLayout(); // the scroll bar's range follows new rows only at the next layout
            const bool perItem = m_view->verticalScrollMode() == QAbstractItemView::ScrollPerItem;
            m_view->verticalScrollBar()->setValue(
                perItem ? row : row * m_view->verticalHeader()->defaultSectionSize());
        }
    }
    endModelChange();
}

int LogPanel::topRow() const
{
    // Per item, the scroll bar's value is the top row; rowAt(0) would give the partly hidden row above it
    // when the view is scrolled to the very bottom.
    if (m_view->verticalScrollMode() == QAbstractItemView::ScrollPerItem)
        return m_view->verticalScrollBar()->value();
    return m_view->rowAt(0);
}

int LogPanel::firstRowFrom(qint64 sequence) const
{
    // The log is in arrival order, so sequence numbers grow down the rows.
    int low = 0;
    int high = m_proxy->rowCount();
    while (low < high) {
        const int middle = low + (high - low) / 2;
        if (m_proxy->recordAt(middle).sequence < sequence)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

void LogPanel::filtersChanged()
{
    scrollToBottomIfFollowing();
}

void LogPanel::scrollToBottomIfFollowing()
{
    if (m_following)
        m_view->scrollToBottom(); // emits no actionTriggered: never mistaken for the user
}
